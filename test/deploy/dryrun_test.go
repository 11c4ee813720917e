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

package deploy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

// clusterTimeout bounds the whole test against the control plane, start to stop.
const clusterTimeout = 2 * time.Minute

// cluster is the local control plane and how the test runs kubectl against it.
type cluster struct {
	c        *localcluster.Cluster
	ctx      context.Context
	cacheDir string
}

// kubectl runs the pinned kubectl as the cluster admin with stdin (when not nil).
func (c *cluster) kubectl(stdin []byte, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(c.ctx, commandTimeout)
	defer cancel()
	return run(c.c.Kubectl(ctx, append([]string{"--cache-dir", c.cacheDir}, args...)...), stdin)
}

// mustKubectl is kubectl that fails the test on an error or on any warning: a deprecated API, a
// Pod Security violation of a pod template, an unknown field dropped by the server.
func (c *cluster) mustKubectl(t testing.TB, stdin []byte, args ...string) string {
	t.Helper()
	g := NewWithT(t)
	out, errOut, err := c.kubectl(stdin, args...)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(errOut).To(BeEmpty(), "kubectl %s warned", strings.Join(args, " "))
	return out
}

// startCluster starts etcd and kube-apiserver (no kube-controller-manager, no token webhook, no
// CRDs: the test installs the rendered ones) and stops them when the test ends.
func startCluster(t *testing.T) *cluster {
	assets := assetsDir(t, "etcd", "kube-apiserver", "kubectl")
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	t.Cleanup(cancel)
	dir := t.TempDir()
	began := time.Now()
	c, err := localcluster.Start(ctx, localcluster.Options{
		AssetsDir: assets,
		StateDir:  filepath.Join(dir, "cluster"),
		CRDDirs:   []string{},
	})
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	t.Logf("control plane up in %s", time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	return &cluster{c: c, ctx: ctx, cacheDir: filepath.Join(dir, "kubectl-cache")}
}

// dryRunLines are the "<kind>/<name> <verb> (server dry run)" lines of kubectl apply, one per object.
func dryRunLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasSuffix(l, "(server dry run)") {
			lines = append(lines, l)
		}
	}
	return lines
}

// kube-apiserver accepts every rendered object of both installs but cert-manager's (its CRDs are
// not installed): `make deploy` would not fail half-way on a schema error, a bad reference or an
// admission check. The admission policies are GA (admissionregistration.k8s.io/v1) in the pinned
// Kubernetes, so they are checked like the rest.
func TestServerDryRun(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	rendered, withWebhooks := defaultManifest(t), webhooksManifest(t)
	c := startCluster(t)

	// The Namespace and the CRDs for real, as `make deploy` applies them: namespaced objects and
	// custom resources are only checked once those exist. The dry runs leave them out: applied
	// again with the other kind of apply, kubectl would warn about migrating between the two.
	setupKinds := []string{"Namespace", "CustomResourceDefinition"}
	setup := rendered.only(setupKinds...)
	g.Expect(setup).To(HaveLen(3))
	g.Expect(withWebhooks.only(setupKinds...)).To(Equal(setup), "the webhooks install has the same Namespace and CRDs")
	list, err := setup.list()
	g.Expect(err).NotTo(HaveOccurred())
	c.mustKubectl(t, list, "apply", "--server-side", "-f", "-")
	var crds []string
	for _, u := range rendered.kind("CustomResourceDefinition") {
		crds = append(crds, "customresourcedefinition/"+u.GetName())
	}
	c.mustKubectl(t, nil, append([]string{"wait", "--for=condition=Established", "--timeout=30s"}, crds...)...)

	// applied are the objects of an install the dry runs apply.
	applied := func(g Gomega, m manifest) manifest {
		objects := m.without(certManagerGroup).excluding(setupKinds...)
		g.Expect(len(m)-len(objects)).To(Equal(len(setup)+len(m.only("Issuer", "Certificate"))),
			"only the setup and cert-manager's Issuer and Certificates left out")
		return objects
	}
	objects := applied(g, rendered)

	// Both installs, as `kubectl apply` would send them, before anything is applied for real.
	t.Run("apply", func(t *testing.T) {
		for _, tc := range []struct {
			install string
			m       manifest
		}{
			{policiesInstall, rendered},
			{webhooksInstall, withWebhooks},
		} {
			t.Run(tc.install, func(t *testing.T) {
				g := NewWithT(t)
				objects := applied(g, tc.m)
				list, err := objects.list()
				g.Expect(err).NotTo(HaveOccurred())
				out := c.mustKubectl(t, list, "apply", "--dry-run=server", "-f", "-")
				g.Expect(dryRunLines(out)).To(HaveLen(len(objects)), "one line per object:\n%s", out)
			})
		}
	})

	// What `make deploy IMG=...` applies: server-side, with the image set.
	t.Run("make deploy", func(t *testing.T) {
		g := NewWithT(t)
		const image = "registry.example.com/sao:v1"
		withImg, err := decodeManifest(withImage(t, repoPath(), "config/default", image))
		g.Expect(err).NotTo(HaveOccurred())
		list, err := withImg.without(certManagerGroup).excluding(setupKinds...).list()
		g.Expect(err).NotTo(HaveOccurred())
		out := c.mustKubectl(t, list, "apply", "--server-side", "--dry-run=server", "-o", "json", "-f", "-")
		var applied unstructured.UnstructuredList
		g.Expect(applied.UnmarshalJSON([]byte(out))).To(Succeed())
		g.Expect(applied.Items).To(HaveLen(len(objects)))
		var images []string
		for _, u := range applied.Items {
			if u.GetKind() == "Deployment" {
				containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
				for _, ctr := range containers {
					images = append(images, ctr.(map[string]any)["image"].(string))
				}
			}
		}
		g.Expect(images).To(Equal([]string{image}), "the Deployment as kube-apiserver would store it")
	})

	// `make deploy` for real, then again as for an upgrade, with kube-controller-manager's
	// aggregation controller having filled in the support users' ClusterRoles in between (done
	// here by hand, under its field manager): the second apply succeeds and keeps those rules.
	t.Run("make deploy twice", func(t *testing.T) {
		g := NewWithT(t)
		list, err := rendered.without(certManagerGroup).list()
		g.Expect(err).NotTo(HaveOccurred())
		c.mustKubectl(t, list, "apply", "--server-side", "-f", "-")
		aggregated := `{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list","watch"]}]}`
		roles := []string{"clusterrole/supportaccess-limited", "clusterrole/supportaccess-full"}
		for _, r := range roles {
			c.mustKubectl(t, nil, "patch", r, "--type=merge", "-p", aggregated, "--field-manager=clusterrole-aggregation-controller")
		}
		c.mustKubectl(t, list, "apply", "--server-side", "-f", "-")
		for _, r := range roles {
			rules := c.mustKubectl(t, nil, "get", r, "-o", "jsonpath={.rules[*].resources}")
			g.Expect(rules).To(Equal(`["pods"]`), "%s lost its aggregated rules", r)
		}
	})

	// Moving an install from the webhooks to the policies: `make deploy` removes the webhook
	// configurations the earlier install left, which would otherwise refuse every grant write; a
	// render with the webhooks keeps them.
	t.Run("make deploy removes stale webhooks", func(t *testing.T) {
		g := NewWithT(t)
		stale, err := withWebhooks.only("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration").list()
		g.Expect(err).NotTo(HaveOccurred())
		configurations := func() string {
			return c.mustKubectl(t, nil, "get", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "-o", "name")
		}
		c.mustKubectl(t, stale, "apply", "--server-side", "-f", "-")
		g.Expect(configurations()).To(ContainSubstring("support-access-operator-validating-webhook-configuration"))
		// The renders as kustomize writes them, the input `make deploy` gives the script.
		for _, tc := range []struct {
			render   func() ([]byte, error)
			wantKept bool
		}{{render: renderWebhooksOnce, wantKept: true}, {render: renderDefault, wantKept: false}} {
			yaml, err := tc.render()
			g.Expect(err).NotTo(HaveOccurred())
			file := filepath.Join(t.TempDir(), "rendered.yaml")
			g.Expect(os.WriteFile(file, yaml, 0o600)).To(Succeed())
			cmd := command(t, "hack/remove-stale-webhooks.sh", kubectlPath(t), file)
			cmd.Env = append(os.Environ(), "KUBECONFIG="+c.c.KubeconfigPath)
			out, errOut, err := run(cmd, nil)
			g.Expect(err).NotTo(HaveOccurred(), "%s%s", out, errOut)
			if tc.wantKept {
				g.Expect(configurations()).To(ContainSubstring("support-access-operator-mutating-webhook-configuration"))
			} else {
				g.Expect(configurations()).To(BeEmpty(), "the webhook configurations outlived the move to the policies")
			}
		}
	})

	// The Namespace enforces the restricted Pod Security Standard; a Pod made from the
	// Deployment's template passes it. The Deployment itself is only warned about (checked above:
	// no warnings), so this is what proves its pods would be admitted.
	t.Run("pod security", func(t *testing.T) {
		g := NewWithT(t)
		mg := managerOf(t, g, rendered)
		pod := corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: "manager", Namespace: namespace, Labels: mg.deployment.Spec.Template.Labels},
			Spec:       mg.deployment.Spec.Template.Spec,
		}
		js, err := json.Marshal(pod)
		g.Expect(err).NotTo(HaveOccurred())
		c.mustKubectl(t, js, "create", "--dry-run=server", "-f", "-")

		// The check has teeth: the same Pod with its container's securityContext removed is refused.
		pod.Spec.Containers = append([]corev1.Container{}, pod.Spec.Containers...)
		pod.Spec.Containers[0].SecurityContext = nil
		js, err = json.Marshal(pod)
		g.Expect(err).NotTo(HaveOccurred())
		_, _, err = c.kubectl(js, "create", "--dry-run=server", "-f", "-")
		g.Expect(err).To(MatchError(ContainSubstring(`violates PodSecurity "restricted`)))
	})
}
