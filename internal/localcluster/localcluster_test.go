/*
Copyright 2026 The Support Access Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package localcluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// helperEnv makes the test binary, started by TestParentDeathKillsControlPlane, start a cluster
// in the directory it names, print the pids and wait to be killed.
const helperEnv = "LOCALCLUSTER_TEST_HELPER_STATE_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(runHelper(dir))
	}
	os.Exit(m.Run())
}

func runHelper(stateDir string) int {
	c, err := Start(context.Background(), Options{StateDir: stateDir, ControllerManager: true, CRDDirs: []string{}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(c.PIDs()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	select {} // Until killed: no Stop, that is the point.
}

// Token webhook identities.
const (
	validToken  = "valid-token"
	webhookUser = "support-1@support.invalid"
)

func TestCluster(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	assets, err := testutil.AssetsDir()
	g.Expect(err).NotTo(HaveOccurred())

	// The webhook's address is reserved but nothing listens there until the cluster runs:
	// kube-apiserver must start without its token webhook (run-local starts the auth service last).
	webhookAddr := freeAddress(t)
	stateDir := t.TempDir()
	began := time.Now()
	c, err := Start(ctx, Options{
		AssetsDir:         assets,
		StateDir:          stateDir,
		ControllerManager: true,
		TokenWebhookURL:   "http://" + webhookAddr + "/tokenreview",
	})
	g.Expect(err).NotTo(HaveOccurred())
	t.Logf("cluster with kube-controller-manager started in %s", time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() { _ = c.Stop() })
	serveTokenWebhook(t, webhookAddr)

	clientset, err := kubernetes.NewForConfig(c.Config)
	g.Expect(err).NotTo(HaveOccurred())

	for _, tc := range []struct {
		name string
		test func(t *testing.T, g *WithT)
	}{
		{"aggregation fills a ClusterRole", func(t *testing.T, g *WithT) {
			roles := clientset.RbacV1().ClusterRoles()
			selector := map[string]string{"example.com/aggregate-to-test": "true"}
			_, err := roles.Create(ctx, &rbacv1.ClusterRole{
				ObjectMeta:      metav1.ObjectMeta{Name: "aggregated"},
				AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: selector}}},
			}, metav1.CreateOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			rule := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}
			_, err = roles.Create(ctx, &rbacv1.ClusterRole{
				ObjectMeta: metav1.ObjectMeta{Name: "aggregated-part", Labels: selector},
				Rules:      []rbacv1.PolicyRule{rule},
			}, metav1.CreateOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Eventually(func() ([]rbacv1.PolicyRule, error) {
				role, err := roles.Get(ctx, "aggregated", metav1.GetOptions{})
				if err != nil {
					return nil, err
				}
				return role.Rules, nil
			}).WithTimeout(10 * time.Second).WithPolling(50 * time.Millisecond).Should(ConsistOf(rule))
		}},
		{"garbage collection deletes an owned object with its owner", func(t *testing.T, g *WithT) {
			configMaps := clientset.CoreV1().ConfigMaps(metav1.NamespaceDefault)
			owner, err := configMaps.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			_, err = configMaps.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
				Name:            "owned",
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}},
			}}, metav1.CreateOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(configMaps.Delete(ctx, owner.Name, metav1.DeleteOptions{})).To(Succeed())
			g.Eventually(func() error {
				_, err := configMaps.Get(ctx, "owned", metav1.GetOptions{})
				return err
			}).WithTimeout(20 * time.Second).WithPolling(50 * time.Millisecond).Should(Satisfy(apierrors.IsNotFound))
		}},
		{"bearer tokens are authenticated by the token webhook", func(t *testing.T, g *WithT) {
			for token, wantUser := range map[string]string{validToken: webhookUser, "forged-token": ""} {
				user := rest.AnonymousClientConfig(c.Config)
				user.BearerToken = token
				review, err := kubernetes.NewForConfigOrDie(user).AuthenticationV1().SelfSubjectReviews().
					Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
				if wantUser == "" {
					g.Expect(apierrors.IsUnauthorized(err)).To(BeTrue(), "token %q: %v", token, err)
					continue
				}
				g.Expect(err).NotTo(HaveOccurred(), "token %q", token)
				g.Expect(review.Status.UserInfo.Username).To(Equal(wantUser))
			}
		}},
		{"the kubeconfig is private and works with kubectl and the CRDs", func(t *testing.T, g *WithT) {
			info, err := os.Stat(c.KubeconfigPath)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))
			g.Expect(c.KubeconfigPath).To(Equal(filepath.Join(stateDir, "kubeconfig")))
			out, err := c.Kubectl(ctx, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").CombinedOutput()
			g.Expect(err).NotTo(HaveOccurred(), "%s", out)
			g.Expect(string(out)).To(Equal("local-admin"))
			// The default CRDs (config/crd/bases) are served.
			out, err = c.Kubectl(ctx, "get", "supportaccessgrants,accountsessionpolicies", "-A").CombinedOutput()
			g.Expect(err).NotTo(HaveOccurred(), "%s", out)
		}},
		{"kube-apiserver restarts on the same etcd", func(t *testing.T, g *WithT) {
			configMaps := clientset.CoreV1().ConfigMaps(metav1.NamespaceDefault)
			_, err := configMaps.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "survivor"}}, metav1.CreateOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			before := c.PIDs()[apiServerName]

			began := time.Now()
			g.Expect(c.StopAPIServer()).To(Succeed())
			stopped := time.Since(began)
			g.Expect(alive(before)).To(BeFalse())
			_, err = configMaps.Get(ctx, "survivor", metav1.GetOptions{})
			g.Expect(err).To(HaveOccurred())

			began = time.Now()
			g.Expect(c.StartAPIServer()).To(Succeed())
			t.Logf("kube-apiserver stopped in %s, started again in %s",
				stopped.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
			after := c.PIDs()[apiServerName]
			g.Expect(after).NotTo(Equal(before))
			_, err = configMaps.Get(ctx, "survivor", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(c.StartAPIServer()).To(Succeed(), "starting a running kube-apiserver")
			g.Expect(c.PIDs()[apiServerName]).To(Equal(after))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, NewWithT(t)) })
	}

	pids := c.PIDs()
	g.Expect(pids).To(HaveKey(etcdName))
	g.Expect(pids).To(HaveKey(apiServerName))
	g.Expect(pids).To(HaveKey(controllerManagerName))
	began = time.Now()
	g.Expect(c.Stop()).To(Succeed())
	t.Logf("stopped in %s", time.Since(began).Round(time.Millisecond))
	for name, pid := range pids {
		g.Expect(alive(pid)).To(BeFalse(), "%s (pid %d) is still running after Stop", name, pid)
	}
	g.Expect(filepath.Join(stateDir, runDir)).NotTo(BeAnExistingFile())
	g.Expect(c.KubeconfigPath).To(BeAnExistingFile())
	g.Expect(c.Stop()).To(Succeed(), "a second Stop")
}

// TestParentDeathKillsControlPlane kills a program that runs a cluster without stopping it, as a
// crash or a test timeout would, and expects the kernel to take etcd, kube-apiserver and
// kube-controller-manager with it.
func TestParentDeathKillsControlPlane(t *testing.T) {
	g := NewWithT(t)
	self, err := os.Executable()
	g.Expect(err).NotTo(HaveOccurred())
	helper := exec.CommandContext(t.Context(), self)
	helper.Env = append(os.Environ(), helperEnv+"="+t.TempDir())
	helper.Stderr = os.Stderr
	stdout, err := helper.StdoutPipe()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(helper.Start()).To(Succeed())
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })

	var pids map[string]int
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	g.Expect(err).NotTo(HaveOccurred(), "the helper's pids")
	g.Expect(json.Unmarshal(line, &pids)).To(Succeed())
	g.Expect(pids).To(HaveLen(3), "%v", pids)

	g.Expect(helper.Process.Signal(syscall.SIGKILL)).To(Succeed())
	_ = helper.Wait()
	for name, pid := range pids {
		g.Eventually(func() bool { return alive(pid) }).WithTimeout(10*time.Second).WithPolling(20*time.Millisecond).
			Should(BeFalse(), "%s (pid %d) outlived its parent", name, pid)
	}
}

// freeAddress returns a loopback address with a port nothing listens on (for now).
func freeAddress(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveTokenWebhook answers kube-apiserver's TokenReviews at addr: validToken is webhookUser,
// anything else is unauthenticated.
func serveTokenWebhook(t *testing.T, addr string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var review authenticationv1.TokenReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		review.Status = authenticationv1.TokenReviewStatus{}
		if review.Spec.Token == validToken {
			review.Status.Authenticated = true
			review.Status.User = authenticationv1.UserInfo{Username: webhookUser, Groups: []string{"support"}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(review)
	}))
	server.Listener.Close()
	server.Listener = l
	server.Start()
	t.Cleanup(server.Close)
}
