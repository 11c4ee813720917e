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
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// policyKinds are the admission policies' kinds.
var policyKinds = []string{"MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}

// webhookKinds are the webhook configurations' kinds.
var webhookKinds = []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}

// flagsOf are the manager's flags, as the rendered Deployment sets them.
func flagsOf(t testing.TB, m manifest) map[string]string {
	t.Helper()
	eff, err := effectiveFlags(managerFlags(t), args(container(t, m.deployment(t))))
	if err != nil {
		t.Fatal(err)
	}
	return eff
}

// typed converts u into T, refusing fields T does not have.
func typed[T any](g Gomega, u *unstructured.Unstructured) *T {
	g.Expect(u).NotTo(BeNil())
	obj := new(T)
	g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, obj, true)).To(Succeed(), "%s", objectKey(u))
	return obj
}

// A client-only install (`helm install --dry-run=client`) for Kubernetes 1.37 of every values file
// of testdata/values, each checked for what its values ask for. Every one sets only flags the
// manager has, and renders no object twice.
func TestClientOnlyInstall(t *testing.T) {
	ch := loadChart(t)
	checks := map[string]func(g Gomega, m manifest, notes string){
		"default.yaml": func(g Gomega, m manifest, notes string) {
			g.Expect(env(container(t, m.deployment(t)))).To(HaveKeyWithValue("GOMEMLIMIT", "110MiB"))
			flags := flagsOf(t, m)
			g.Expect(flags).To(HaveKeyWithValue("disable-webhooks", "true"))
			g.Expect(flags).To(HaveKeyWithValue("limits-configmap", namespace+"/support-access-limits"))
			g.Expect(m.only(policyKinds...).keys()).To(HaveLen(12))
			g.Expect(m.only(webhookKinds...)).To(BeEmpty())
			for _, crd := range m.kind("CustomResourceDefinition") {
				g.Expect(crd.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
			}
			g.Expect(m.find("ConfigMap", "support-access-limits").Object["data"]).To(Equal(map[string]any{"maxGrantDuration": "720h"}))
			g.Expect(notes).To(ContainSubstring("server: https://support-access-operator-auth-service.support-access-system.svc/tokenreview"))
			for _, flag := range []string{"--authentication-token-webhook-config-file=", "--authentication-token-webhook-version=v1", "--authentication-token-webhook-cache-ttl=10s"} {
				g.Expect(notes).To(ContainSubstring(flag))
			}
			g.Expect(notes).To(ContainSubstring("kubectl delete supportaccessgrants --all --all-namespaces"))
		},
		"webhooks.yaml": func(g Gomega, m manifest, notes string) {
			g.Expect(m.only(policyKinds...).keys()).To(BeEmpty())
			g.Expect(m.only(webhookKinds...)).To(HaveLen(2))
			for _, w := range m.only(webhookKinds...) {
				g.Expect(w.GetAnnotations()).To(HaveKeyWithValue("cert-manager.io/inject-ca-from", namespace+"/support-access-operator-serving-cert"))
				hooks, _, _ := unstructured.NestedSlice(w.Object, "webhooks")
				g.Expect(hooks).To(HaveLen(2))
				for _, h := range hooks {
					svc, _, _ := unstructured.NestedStringMap(h.(map[string]any), "clientConfig", "service")
					g.Expect(svc).To(HaveKeyWithValue("name", "support-access-operator-webhook-service"))
					g.Expect(svc).To(HaveKeyWithValue("namespace", namespace))
				}
			}
			g.Expect(m.find("Certificate", "support-access-operator-serving-cert")).NotTo(BeNil())
			g.Expect(m.find("NetworkPolicy", "support-access-operator-allow-webhook-traffic")).NotTo(BeNil())
			g.Expect(flagsOf(t, m)).NotTo(HaveKey("disable-webhooks"))
			g.Expect(flagsOf(t, m)).To(HaveKey("webhook-cert-dir"))
			g.Expect(notes).To(ContainSubstring("admission by the manager's webhooks"))
		},
		"webhooks-own-ca.yaml": func(g Gomega, m manifest, notes string) {
			g.Expect(m.only("Certificate", "Issuer")).To(BeEmpty())
			for _, w := range m.only(webhookKinds...) {
				g.Expect(w.GetAnnotations()).NotTo(HaveKey("cert-manager.io/inject-ca-from"))
				hooks, _, _ := unstructured.NestedSlice(w.Object, "webhooks")
				for _, h := range hooks {
					ca, _, _ := unstructured.NestedString(h.(map[string]any), "clientConfig", "caBundle")
					g.Expect(ca).To(HavePrefix("LS0tLS1CRUdJTi"))
				}
			}
			d := typed[appsv1.Deployment](g, m.deployment(t))
			var secrets []string
			for _, v := range d.Spec.Template.Spec.Volumes {
				secrets = append(secrets, v.Secret.SecretName)
			}
			g.Expect(secrets).To(ConsistOf("my-webhook-tls", "my-auth-tls"))
		},
		"monitoring.yaml": func(g Gomega, m manifest, notes string) {
			sm := typed[monitoringv1.ServiceMonitor](g, m.find("ServiceMonitor", "support-access-operator-controller-manager-metrics-monitor"))
			g.Expect(sm.Labels).To(HaveKeyWithValue("release", "kube-prometheus-stack"))
			g.Expect(sm.Spec.Endpoints).To(HaveLen(1))
			g.Expect(string(sm.Spec.Endpoints[0].Interval)).To(Equal("30s"))
			rule := typed[monitoringv1.PrometheusRule](g, m.find("PrometheusRule", "support-access-operator-alerts"))
			g.Expect(rule.Spec.Groups).To(HaveLen(1))
			var alerts, exprs []string
			for _, r := range rule.Spec.Groups[0].Rules {
				alerts = append(alerts, r.Alert)
				exprs = append(exprs, r.Expr.String())
			}
			g.Expect(alerts).To(ConsistOf("SupportAccessOperatorDown", "SupportAccessManagerReplicaDown", "SupportAccessManagerNotReady",
				"SupportAccessReconcileErrors", "SupportAccessPageRulesInvalid", "SupportAccessManyGrants"))
			job := `job="support-access-operator-controller-manager-metrics-service",namespace="support-access-system"`
			g.Expect(exprs).To(ContainElement(`absent(up{` + job + `} == 1)`))
			g.Expect(exprs).To(ContainElement(`supportaccess_page_rules_valid{` + job + `} == 0`))
			dash := m.find("ConfigMap", "support-access-operator-dashboard")
			g.Expect(dash).NotTo(BeNil())
			g.Expect(dash.GetLabels()).To(HaveKeyWithValue("grafana_dashboard", "1"))
			text, _, _ := unstructured.NestedString(dash.Object, "data", "support-access-operator.json")
			var board struct {
				Title  string `json:"title"`
				UID    string `json:"uid"`
				Panels []struct {
					Title   string `json:"title"`
					Targets []struct {
						Expr string `json:"expr"`
					} `json:"targets"`
				} `json:"panels"`
			}
			g.Expect(json.Unmarshal([]byte(text), &board)).To(Succeed())
			g.Expect(board.UID).To(Equal("support-access-operator"))
			g.Expect(board.Panels).NotTo(BeEmpty())
			for _, p := range board.Panels {
				g.Expect(p.Targets).NotTo(BeEmpty(), "panel %q", p.Title)
				for _, target := range p.Targets {
					exprs = append(exprs, target.Expr)
				}
			}
			expectMetricsExist(g, exprs)
		},
		"minimal.yaml": func(g Gomega, m manifest, notes string) {
			g.Expect(m.only("CustomResourceDefinition", "NetworkPolicy", "PodDisruptionBudget", "Certificate", "Issuer")).To(BeEmpty())
			g.Expect(m.find("Service", "support-access-operator-controller-manager-metrics-service")).To(BeNil())
			g.Expect(m.find("ConfigMap", "support-access-page-rules")).To(BeNil())
			g.Expect(m.find("ConfigMap", "support-access-limits")).NotTo(BeNil(), "the limits ConfigMap is the admission policies' parameter")
			g.Expect(m.find("ClusterRole", "supportaccess-limited-default")).To(BeNil())
			flags := flagsOf(t, m)
			for _, f := range []string{"leader-elect", "metrics-bind-address", "auth-cert-dir"} {
				g.Expect(flags).NotTo(HaveKey(f))
			}
			d := typed[appsv1.Deployment](g, m.deployment(t))
			g.Expect(d.Spec.Template.Spec.Volumes).To(BeEmpty())
			g.Expect(notes).To(ContainSubstring("speaks plain HTTP"))
			g.Expect(notes).To(ContainSubstring("server: http://support-access-operator-auth-service.support-access-system.svc/tokenreview"))
		},
		"everything.yaml": func(g Gomega, m manifest, notes string) {
			d := typed[appsv1.Deployment](g, m.find("Deployment", "sao-controller-manager"))
			c := d.Spec.Template.Spec.Containers[0]
			g.Expect(c.Image).To(Equal("registry.example.com/support-access-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
			g.Expect(env(container(t, m.deployment(t)))).To(And(HaveKeyWithValue("GOMEMLIMIT", "819MiB"), HaveKeyWithValue("GOGC", "150"), HaveKeyWithValue("TZ", "UTC")))
			g.Expect(d.Spec.Template.Spec.Affinity).To(BeNil(), "affinity: {} is none")
			g.Expect(flagsOf(t, m)).To(Equal(map[string]string{
				"metrics-bind-address":           ":8445",
				"leader-elect":                   "true",
				"leader-election-namespace":      "support-access-system",
				"leader-election-lease-duration": "30s",
				"leader-election-renew-deadline": "20s",
				"leader-election-retry-period":   "4s",
				"health-probe-bind-address":      ":9081",
				"auth-bind-address":              ":9444",
				"auth-cert-dir":                  "/tmp/k8s-auth-server/serving-certs",
				"auth-trusted-proxies":           "10.0.0.0/8,192.0.2.10",
				"forward-auth-headers":           "original",
				"login-redirect-hosts":           "app.example.com,admin.example.com:8443",
				"disable-webhooks":               "true",
				"limits-configmap":               namespace + "/support-access-limits",
				"page-rules-configmap":           namespace + "/support-access-page-rules",
				"login-domain":                   "support.example.com",
				"login-url":                      "https://support-access.example.com/.supportaccess/login",
				"grant-workers":                  "64",
				"max-sessions-per-grant":         "5",
				"keyring-secret":                 "sao-keys",
				"zap-log-level":                  "debug",
				"pprof-bind-address":             "127.0.0.1:8082",
				"enable-http2":                   "true",
			}))
			for _, crd := range m.kind("CustomResourceDefinition") {
				g.Expect(crd.GetAnnotations()).NotTo(HaveKey("helm.sh/resource-policy"))
			}
			g.Expect(m.only("Issuer")).To(BeEmpty(), "certManager.issuerRef replaces the self-signed Issuer")
			cert := m.find("Certificate", "sao-auth-serving-cert")
			g.Expect(cert.Object["spec"]).To(HaveKeyWithValue("issuerRef", map[string]any{"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "platform-ca"}))
			g.Expect(cert.Object["spec"]).To(HaveKeyWithValue("dnsNames", ContainElement("support-access.example.com")))
			g.Expect(m.find("ConfigMap", "support-access-limits").Object["data"]).To(Equal(map[string]any{"maxGrantDuration": "168h"}))
			rules, _, _ := unstructured.NestedString(m.find("ConfigMap", "support-access-page-rules").Object, "data", "rules.yaml")
			var parsed map[string]any
			g.Expect(yaml.Unmarshal([]byte(rules), &parsed)).To(Succeed())
			g.Expect(parsed).To(HaveKeyWithValue("default", "Full"))
			g.Expect(parsed["rules"]).To(HaveLen(2))
			g.Expect(m.find("ConfigMap", "sao-dashboard").GetNamespace()).To(Equal("monitoring"))
			g.Expect(notes).To(ContainSubstring("server: https://sao-auth-service.support-access-system.svc:8443/tokenreview"))
		},
	}
	for _, file := range valuesFiles(t) {
		t.Run(file, func(t *testing.T) {
			g := NewWithT(t)
			check, ok := checks[file]
			g.Expect(ok).To(BeTrue(), "testdata/values/%s has no checks here", file)
			m, rel := mustRender(t, ch, readValues(t, file), defaultTarget)
			g.Expect(m.keys()).To(HaveLen(len(m)), "no object twice")
			g.Expect(rel.Info.Notes).NotTo(BeEmpty())
			flagsOf(t, m) // only flags the manager has
			check(g, m, rel.Info.Notes)
		})
	}
	g := NewWithT(t)
	g.Expect(valuesFiles(t)).To(HaveLen(len(checks)), "every check has its values file")
}

// metricName is a metric a PromQL expression reads: the words before "{" or "(" that name
// metrics of the operator or of controller-runtime.
var metricName = regexp.MustCompile(`\b(supportaccess_[a-z_]+|controller_runtime_[a-z_]+)\b`)

// expectMetricsExist: every supportaccess_ metric the alerts and the dashboard read is one the
// manager's code registers (histograms by their base name).
func expectMetricsExist(g Gomega, exprs []string) {
	var code strings.Builder
	for _, dir := range []string{"controllers", "internal"} {
		g.Expect(filepath.WalkDir(repoPath(dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			data, err := os.ReadFile(path)
			code.Write(data)
			return err
		})).To(Succeed())
	}
	found := 0
	for _, e := range exprs {
		for _, name := range metricName.FindAllString(e, -1) {
			if !strings.HasPrefix(name, "supportaccess_") {
				continue
			}
			base := strings.TrimSuffix(name, "_bucket")
			g.Expect(code.String()).To(ContainSubstring(`"`+base+`"`), "metric %s of %q is not registered by the manager", name, e)
			found++
		}
	}
	g.Expect(found).To(BeNumerically(">", 5))
}

// The release's own namespace and name: the ConfigMaps the manager and the admission policies read
// are the release namespace's, and the objects carry the release's prefix.
func TestInstallInAnotherNamespace(t *testing.T) {
	g := NewWithT(t)
	m, _ := mustRender(t, loadChart(t), nil, target{release: "sao", namespace: "support-ops", kubeVersion: kubeVersion})
	flags := flagsOf(t, m)
	g.Expect(flags).To(HaveKeyWithValue("limits-configmap", "support-ops/support-access-limits"))
	g.Expect(flags).To(HaveKeyWithValue("page-rules-configmap", "support-ops/support-access-page-rules"))
	for _, b := range m.kind("ValidatingAdmissionPolicyBinding") {
		g.Expect(b.GetName()).To(HavePrefix("sao-support-access-operator-"))
		policy, _, _ := unstructured.NestedString(b.Object, "spec", "policyName")
		g.Expect(policy).To(Equal(b.GetName()))
		if ns, ok, _ := unstructured.NestedString(b.Object, "spec", "paramRef", "namespace"); ok {
			g.Expect(ns).To(Equal("support-ops"), "binding %s", b.GetName())
		}
	}
	for _, u := range m {
		if u.GetNamespace() != "" {
			g.Expect(u.GetNamespace()).To(Equal("support-ops"), "%s", objectKey(u))
		}
	}
	g.Expect(m.find("Deployment", "sao-support-access-operator-controller-manager")).NotTo(BeNil())
	cert := m.find("Certificate", "sao-support-access-operator-auth-serving-cert")
	g.Expect(cert.Object["spec"]).To(HaveKeyWithValue("dnsNames", ContainElement("sao-support-access-operator-auth-service.support-ops.svc")))
}

// The admission policies need Kubernetes 1.36: on 1.35 the install refuses them and says what to
// do, and the webhooks install works there.
func TestKubernetesVersions(t *testing.T) {
	ch := loadChart(t)
	old := target{release: releaseName, namespace: namespace, kubeVersion: "v1.35.4"}
	g := NewWithT(t)
	_, err := render(ch, nil, old)
	g.Expect(err).To(MatchError(ContainSubstring("admission.mode=policies needs Kubernetes 1.36 or later")))
	_, err = render(ch, readValues(t, "webhooks.yaml"), old)
	g.Expect(err).NotTo(HaveOccurred())
	_, err = render(ch, readValues(t, "webhooks.yaml"), target{release: releaseName, namespace: namespace, kubeVersion: "v1.29.9"})
	g.Expect(err).To(MatchError(ContainSubstring("kubeVersion")), "Chart.yaml's kubeVersion")
}

// As a subchart: the parent's global values and its dependency condition reach this chart's
// values, and the schema lets them in.
func TestAsSubchart(t *testing.T) {
	g := NewWithT(t)
	sub := loadChart(t)
	parent := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: "platform", Version: "1.0.0",
			Dependencies: []*chart.Dependency{{Name: "support-access-operator", Version: sub.Metadata.Version, Condition: "support-access-operator.enabled"}}},
		Values: map[string]any{"global": map[string]any{"imageRegistry": "registry.example.com"}},
	}
	parent.AddDependency(sub)
	vals := map[string]any{"support-access-operator": map[string]any{"enabled": true, "manager": map[string]any{"replicas": 3}}}
	m, _ := mustRender(t, parent, vals, target{release: "acme", namespace: namespace, kubeVersion: kubeVersion})
	d := typed[appsv1.Deployment](g, m.find("Deployment", "acme-support-access-operator-controller-manager"))
	g.Expect(*d.Spec.Replicas).To(BeEquivalentTo(3))

	vals["support-access-operator"].(map[string]any)["enabled"] = false
	m, _ = mustRender(t, parent, vals, target{release: "acme", namespace: namespace, kubeVersion: kubeVersion})
	g.Expect(m).To(BeEmpty(), "the condition turns it off")
}
