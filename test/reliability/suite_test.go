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

// Package reliability injects the faults an access-control product is judged by
// (docs/reference.md#reliability): the manager killed mid-work, kube-apiserver down, a leader lost.
// Each test runs the real manager binary against a real etcd and kube-apiserver.
package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
)

// loginDomain is the domain of the login emails the managers issue.
const loginDomain = "support.test"

var (
	scheme  = runtime.NewScheme()
	cluster *localcluster.Cluster
	k8s     client.Client
	binary  string
	workDir string
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(supportaccessv1alpha1.AddToScheme(scheme))
}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	env, err := managerproc.StartEnv(context.Background(), "supportaccess-reliability-", scheme)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	workDir, binary, cluster, k8s = env.Dir, env.Binary, env.Cluster, env.Client
	return m.Run()
}

// manager is one running manager process with its endpoints.
type manager struct {
	proc       *managerproc.Process
	name       string
	authURL    string
	metricsURL string
	log        string
}

// startManager runs a manager replica named name and waits until it is ready.
func startManager(t *testing.T, name string, extra ...string) *manager {
	t.Helper()
	addrs := make([]string, 3)
	for i := range addrs {
		a, err := managerproc.FreeAddress()
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = a
	}
	m := &manager{name: name, authURL: "http://" + addrs[0], metricsURL: "http://" + addrs[2] + "/metrics",
		log: filepath.Join(workDir, t.Name()+"-"+name+".log")}
	_ = os.MkdirAll(filepath.Dir(m.log), 0o755)
	args := append([]string{
		"--kubeconfig", cluster.KubeconfigPath,
		"--auth-bind-address", addrs[0],
		"--health-probe-bind-address", addrs[1],
		"--metrics-bind-address", addrs[2], "--metrics-secure=false",
		"--disable-webhooks",
		"--login-domain", loginDomain,
	}, extra...)
	proc, err := managerproc.Start(binary, m.log, args)
	if err != nil {
		t.Fatal(err)
	}
	m.proc = proc
	if err := proc.WaitReady(context.Background(), time.Minute, "http://"+addrs[1]+"/readyz", m.authURL+"/healthz"); err != nil {
		tail, _ := managerproc.TailLines(m.log, 30)
		t.Fatalf("%v\n%s", err, tail)
	}
	t.Cleanup(func() {
		if done, _ := proc.Exited(); !done {
			if err := proc.Stop(30 * time.Second); err != nil {
				t.Errorf("stop manager %s: %v", name, err)
			}
		}
	})
	return m
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "account-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// phases counts the namespace's grants by phase.
func phases(ctx context.Context, ns string) (map[supportaccessv1alpha1.GrantPhase]int, []supportaccessv1alpha1.SupportAccessGrant, error) {
	list := &supportaccessv1alpha1.SupportAccessGrantList{}
	if err := k8s.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, nil, err
	}
	out := map[supportaccessv1alpha1.GrantPhase]int{}
	for _, g := range list.Items {
		out[g.Status.Phase]++
	}
	return out, list.Items, nil
}

// login logs in on m with a grant's credentials read from its Secret.
func login(ctx context.Context, m *manager, ns, grant string) (string, error) {
	s := &corev1.Secret{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: grant + "-credentials"}, s); err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]string{"email": string(s.Data["email"]), "password": string(s.Data["password"])})
	resp, err := http.Post(m.authURL+"/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login: status %d, %v", resp.StatusCode, err)
	}
	return out.Token, nil
}

// review asks m's /tokenreview about token; any answer but 200 is an error.
func review(m *manager, token string) (bool, error) {
	body, _ := json.Marshal(authenticationv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenReview"},
		Spec:     authenticationv1.TokenReviewSpec{Token: token},
	})
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Post(m.authURL+"/tokenreview", "application/json", bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("tokenreview answered %d", resp.StatusCode)
	}
	var out authenticationv1.TokenReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return false, err
	}
	return out.Status.Authenticated, nil
}

// isLeader reads controller-runtime's leader_election_master_status gauge from m's metrics.
func isLeader(m *manager) bool {
	resp, err := http.Get(m.metricsURL)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "leader_election_master_status{") && strings.HasSuffix(line, " 1") {
			return true
		}
	}
	return false
}
