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

package helm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// clusterTimeout bounds the whole test against the control plane.
const clusterTimeout = 4 * time.Minute

// warnings records the warnings kube-apiserver answers with (deprecated APIs, Pod Security
// violations of a pod template, fields it dropped).
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

// take returns the warnings so far and forgets them.
func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

// cluster is etcd and kube-apiserver of the pinned Kubernetes, and clients of it.
type cluster struct {
	ctx        context.Context
	dyn        dynamic.Interface
	mapper     meta.ResettableRESTMapper
	warnings   *warnings
	kubeconfig string
}

// startCluster starts the control plane (no kube-controller-manager, no nodes) with stand-ins for
// the CRDs of cert-manager and the Prometheus Operator (testdata/crds), and stops it when the test
// ends.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	assets := requireAssets(t, "etcd", "kube-apiserver")
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	t.Cleanup(cancel)
	began := time.Now()
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join("testdata", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	t.Logf("control plane up in %s", time.Since(began).Round(time.Millisecond))

	user, err := env.AddUser(envtest.User{Name: "helm-test", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}

	w := &warnings{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = w
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &cluster{
		ctx:        ctx,
		dyn:        dyn,
		mapper:     restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
		warnings:   w,
		kubeconfig: path,
	}
}

// resource is the client of u's kind in u's namespace; a namespaced object must name its
// namespace and a cluster-scoped one must not.
func (c *cluster) resource(u *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := u.GroupVersionKind()
	mapping, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		if u.GetNamespace() == "" {
			return nil, fmt.Errorf("namespaced, but the chart gives it no namespace")
		}
		return c.dyn.Resource(mapping.Resource).Namespace(u.GetNamespace()), nil
	}
	if u.GetNamespace() != "" {
		return nil, fmt.Errorf("cluster-scoped, but the chart gives it namespace %q", u.GetNamespace())
	}
	return c.dyn.Resource(mapping.Resource), nil
}

// apply server-side applies u (as a dry run when dryRun), with strict field validation; a warning
// is an error.
func (c *cluster) apply(u *unstructured.Unstructured, dryRun bool) error {
	ri, err := c.resource(u)
	if err != nil {
		return err
	}
	data, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	force := true
	opts := metav1.PatchOptions{FieldManager: "helm-test", Force: &force, FieldValidation: metav1.FieldValidationStrict}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	c.warnings.take()
	if _, err := ri.Patch(c.ctx, u.GetName(), types.ApplyPatchType, data, opts); err != nil {
		return err
	}
	if w := c.warnings.take(); len(w) > 0 {
		return fmt.Errorf("warned: %s", strings.Join(w, "; "))
	}
	return nil
}

// get reads the object of kind (group/version/kind) in namespace ns ("" when cluster-scoped).
func (c *cluster) get(gvk schema.GroupVersionKind, ns, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(ns)
	ri, err := c.resource(u)
	if err != nil {
		return nil, err
	}
	return ri.Get(c.ctx, name, metav1.GetOptions{})
}

// establishCRDs applies the chart's CRDs for real and waits until they serve: custom resources and
// the admission policies' paramKinds are only checked once their CRDs exist.
func (c *cluster) establishCRDs(t *testing.T, crds manifest) {
	t.Helper()
	g := NewWithT(t)
	g.Expect(crds).NotTo(BeEmpty())
	for _, crd := range crds {
		g.Expect(c.apply(crd, false)).To(Succeed(), "%s", objectKey(crd))
	}
	crdGVK := schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	for _, crd := range crds {
		g.Eventually(func(g Gomega) {
			u, err := c.get(crdGVK, "", crd.GetName())
			g.Expect(err).NotTo(HaveOccurred())
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			established := false
			for _, cond := range conds {
				m := cond.(map[string]any)
				established = established || m["type"] == "Established" && m["status"] == "True"
			}
			g.Expect(established).To(BeTrue(), "%s is not Established", crd.GetName())
		}).WithTimeout(30 * time.Second).Should(Succeed())
	}
	c.mapper.Reset()
}

// helmConfig is a Helm action configuration against the cluster, storing releases as Secrets in
// the namespace, as the helm CLI does.
func (c *cluster) helmConfig(t *testing.T) *action.Configuration {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	kubeconfig, ns := c.kubeconfig, namespace
	flags.KubeConfig, flags.Namespace = &kubeconfig, &ns
	cfg := quietConfig()
	if err := cfg.Init(flags, namespace, "secret"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Every object the chart renders, for every values file of the matrix, is accepted by the real
// kube-apiserver of the pinned Kubernetes as a server-side apply dry run with strict field
// validation and no warning (the release namespace enforces the restricted Pod Security
// Standard, as config/default's does). Then Helm installs the chart there, upgrades it with other
// values, and uninstalls it, keeping the CRDs.
func TestCluster(t *testing.T) {
	t.Parallel()
	ch := loadChart(t)
	c := startCluster(t)
	g := NewWithT(t)

	// The release namespace as config/default makes it (with the Pod Security labels), and the
	// dashboard's of everything.yaml.
	ns := kubectlKustomize(t, repoPath("config", "default")).kind("Namespace")
	g.Expect(ns).To(HaveLen(1))
	g.Expect(c.apply(ns[0], false)).To(Succeed())
	monitoring := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "monitoring"}}}
	g.Expect(c.apply(monitoring, false)).To(Succeed())

	t.Run("helm install, upgrade, uninstall", func(t *testing.T) {
		helmLifecycle(t, c, ch)
	})

	t.Run("dry run", func(t *testing.T) {
		defaults, _ := mustRender(t, ch, nil, defaultTarget)
		c.establishCRDs(t, defaults.kind("CustomResourceDefinition"))
		for _, file := range valuesFiles(t) {
			t.Run(file, func(t *testing.T) {
				m, _ := mustRender(t, ch, readValues(t, file), defaultTarget)
				// CRDs first, as Helm orders them; then the rest.
				objects := append(m.kind("CustomResourceDefinition"), m.excluding("CustomResourceDefinition")...)
				for _, u := range objects {
					if err := c.apply(u, true); err != nil {
						t.Errorf("%s: %v", objectKey(u), err)
					}
				}
				t.Logf("%d objects accepted", len(objects))
			})
		}

		// The dry run has teeth: a pod template that breaks the restricted Pod Security Standard is
		// warned about, and a field the API does not have is refused.
		t.Run("refusals", func(t *testing.T) {
			g := NewWithT(t)
			m, _ := mustRender(t, ch, map[string]any{"manager": map[string]any{"securityContext": nil}}, defaultTarget)
			g.Expect(c.apply(m.deployment(t), true)).To(MatchError(ContainSubstring(`violate PodSecurity "restricted`)))
			d := defaults.deployment(t).DeepCopy()
			g.Expect(unstructured.SetNestedField(d.Object, int64(2), "spec", "replicaz")).To(Succeed())
			g.Expect(c.apply(d, true)).To(MatchError(ContainSubstring(".spec.replicaz: field not declared in schema")))
		})
	})
}

// helmLifecycle installs the chart with its defaults, upgrades it to the webhooks with more
// replicas and another grant cap, and uninstalls it, checking the cluster after each step.
func helmLifecycle(t *testing.T, c *cluster, ch *chart.Chart) {
	g := NewWithT(t)
	cfg := c.helmConfig(t)
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	configMap := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	vap := schema.GroupVersionKind{Group: "admissionregistration.k8s.io", Version: "v1", Kind: "ValidatingAdmissionPolicy"}
	mwc := schema.GroupVersionKind{Group: "admissionregistration.k8s.io", Version: "v1", Kind: "MutatingWebhookConfiguration"}
	crd := schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	clusterRole := schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}
	const manager = "support-access-operator-controller-manager"
	const operatorCap = "support-access-operator-supportaccessgrant-operator-cap"

	inst := action.NewInstall(cfg)
	inst.ReleaseName, inst.Namespace = releaseName, namespace
	inst.WaitStrategy = kube.HookOnlyStrategy
	inst.Timeout = time.Minute
	rel, err := inst.Run(ch, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rel.(*release.Release).Info.Status.String()).To(Equal("deployed"))
	c.mapper.Reset()
	_, err = c.get(vap, "", operatorCap)
	g.Expect(err).NotTo(HaveOccurred(), "the admission policies are installed")
	d, err := c.get(deployment, namespace, manager)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(d.Object["spec"]).To(HaveKeyWithValue("replicas", BeEquivalentTo(2)))

	up := action.NewUpgrade(cfg)
	up.Namespace = namespace
	up.WaitStrategy = kube.HookOnlyStrategy
	up.Timeout = time.Minute
	rel, err = up.Run(releaseName, ch, map[string]any{
		"admission": map[string]any{"mode": "webhooks"},
		"manager":   map[string]any{"replicas": 3},
		"limits":    map[string]any{"maxGrantDuration": "168h"},
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rel.(*release.Release).Version).To(Equal(2))
	d, err = c.get(deployment, namespace, manager)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(d.Object["spec"]).To(HaveKeyWithValue("replicas", BeEquivalentTo(3)))
	g.Expect(args(container(t, d))).NotTo(ContainElement("--disable-webhooks"))
	cm, err := c.get(configMap, namespace, "support-access-limits")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cm.Object["data"]).To(Equal(map[string]any{"maxGrantDuration": "168h"}))
	_, err = c.get(vap, "", operatorCap)
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the upgrade to the webhooks removes the admission policies: %v", err)
	_, err = c.get(mwc, "", "support-access-operator-mutating-webhook-configuration")
	g.Expect(err).NotTo(HaveOccurred(), "the upgrade installs the webhooks")

	un := action.NewUninstall(cfg)
	un.WaitStrategy = kube.HookOnlyStrategy
	un.Timeout = time.Minute
	res, err := un.Run(releaseName)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Info).To(ContainSubstring("kept due to the resource policy"))
	for _, name := range []string{"supportaccessgrants.supportaccess.io", "accountsessionpolicies.supportaccess.io"} {
		_, err := c.get(crd, "", name)
		g.Expect(err).NotTo(HaveOccurred(), "crd.keep keeps %s", name)
		g.Expect(res.Info).To(ContainSubstring(name))
	}
	for _, gone := range []struct {
		gvk      schema.GroupVersionKind
		ns, name string
	}{
		{deployment, namespace, manager},
		{clusterRole, "", "supportaccess-limited"},
		{mwc, "", "support-access-operator-mutating-webhook-configuration"},
		{configMap, namespace, "support-access-limits"},
	} {
		_, err := c.get(gone.gvk, gone.ns, gone.name)
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%s %s is removed: %v", gone.gvk.Kind, gone.name, err)
	}
}
