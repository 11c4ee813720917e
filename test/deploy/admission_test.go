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
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/supportaccess/support-access-operator/internal/limits"
)

// policyOfBinding is, for each binding kind, the kind of policy it binds.
var policyOfBinding = map[string]string{
	"MutatingAdmissionPolicyBinding":   "MutatingAdmissionPolicy",
	"ValidatingAdmissionPolicyBinding": "ValidatingAdmissionPolicy",
}

// limitsConfigMap is the rendered ConfigMap the manager reads its grant cap from: the one its
// --limits-configmap default names, which the Deployment does not change.
func limitsConfigMap(g Gomega, m manifest, mg manager) *corev1.ConfigMap {
	const flag = "limits-configmap"
	ref := mg.flags[flag].def
	g.Expect(mg.value(g, flag)).To(Equal(ref), "the Deployment sets --%s: the admission policies would read another cap than the manager", flag)
	ns, name, ok := strings.Cut(ref, "/")
	g.Expect(ok).To(BeTrue(), "--%s default %q is not <namespace>/<name>", flag, ref)
	cm := mustFind[corev1.ConfigMap](g, m, "ConfigMap", name)
	g.Expect(cm.Namespace).To(Equal(ns), "--%s default %q: the ConfigMap %s is rendered in another namespace", flag, ref, name)
	raw, ok := cm.Data[limits.KeyMaxGrantDuration]
	g.Expect(ok).To(BeTrue(), "ConfigMap %s has no %s", name, limits.KeyMaxGrantDuration)
	_, err := limits.Parse(raw)
	g.Expect(err).NotTo(HaveOccurred(), "ConfigMap %s: %s", name, limits.KeyMaxGrantDuration)
	return cm
}

// expectAdmissionReferences checks the references of the admission policies: every binding's
// policyName names a rendered policy of its kind, as namePrefix renamed it; every policy is bound;
// a paramRef by name names the limits ConfigMap, in its namespace, for a policy whose paramKind
// is ConfigMap.
func expectAdmissionReferences(g Gomega, m manifest, limits *corev1.ConfigMap) {
	bound := map[string]bool{} // "<kind> <name>" of the policies some binding names
	for bindingKind, policyKind := range policyOfBinding {
		for _, u := range m.kind(bindingKind) {
			id := bindingKind + " " + u.GetName()
			var policyName string
			var paramRef *admissionregistrationv1.ParamRef
			if bindingKind == "MutatingAdmissionPolicyBinding" {
				b := typed[admissionregistrationv1.MutatingAdmissionPolicyBinding](g, u)
				policyName, paramRef = b.Spec.PolicyName, b.Spec.ParamRef
			} else {
				b := typed[admissionregistrationv1.ValidatingAdmissionPolicyBinding](g, u)
				policyName, paramRef = b.Spec.PolicyName, b.Spec.ParamRef
			}
			p := m.find(policyKind, policyName)
			g.Expect(p).NotTo(BeNil(), "%s: policyName %q is no rendered %s: the binding enforces nothing", id, policyName, policyKind)
			if p == nil {
				continue
			}
			bound[policyKind+" "+policyName] = true
			if paramRef == nil || paramRef.Name == "" {
				continue
			}
			var paramKind *admissionregistrationv1.ParamKind
			if policyKind == "MutatingAdmissionPolicy" {
				paramKind = typed[admissionregistrationv1.MutatingAdmissionPolicy](g, p).Spec.ParamKind
			} else {
				paramKind = typed[admissionregistrationv1.ValidatingAdmissionPolicy](g, p).Spec.ParamKind
			}
			g.Expect(paramKind).To(Equal(&admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"}),
				"%s names its parameter %s: policy %s must take a ConfigMap", id, paramRef.Name, policyName)
			g.Expect(paramRef.Namespace+"/"+paramRef.Name).To(Equal(limits.Namespace+"/"+limits.Name),
				"%s: its paramRef is not the rendered limits ConfigMap (without it the binding allows every grant)", id)
		}
	}
	for _, policyKind := range policyOfBinding {
		for _, u := range m.kind(policyKind) {
			g.Expect(bound).To(HaveKey(policyKind+" "+u.GetName()), "%s %s has no binding: it is never evaluated", policyKind, u.GetName())
		}
	}
}

// The admission policies of the default install take effect: each is bound by the name namePrefix
// gave it, and those that take the operator's limits ConfigMap as their parameter name the one
// rendered, which is the one the manager reads (--limits-configmap): both apply the same cap.
func TestAdmissionPolicyReferences(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	m := defaultManifest(t)
	mg := managerOf(t, g, m)
	cm := limitsConfigMap(g, m, mg)
	// Not vacuous: the operator cap and the warnings take the limits ConfigMap.
	var named []string
	for _, u := range m.kind("ValidatingAdmissionPolicyBinding") {
		if name, _, _ := unstructured.NestedString(u.Object, "spec", "paramRef", "name"); name != "" {
			named = append(named, u.GetName())
		}
	}
	g.Expect(named).To(ConsistOf(namePrefix+"supportaccessgrant-operator-cap", namePrefix+"accountsessionpolicy-warnings"),
		"the bindings with a paramRef by name")
	expectAdmissionReferences(g, m, cm)

	// The check has teeth: a copy of config/ with one binding's policyName and another's paramRef
	// broken renders (kustomize leaves a name it cannot resolve as it is), and the check reports both.
	t.Run("broken references", func(t *testing.T) {
		g := NewWithT(t)
		config, err := copyConfig(t.TempDir())
		g.Expect(err).NotTo(HaveOccurred())
		replaceOnce(g, filepath.Join(config, "admission", "supportaccessgrant_duration.yaml"),
			"policyName: supportaccessgrant-operator-cap", "policyName: supportaccessgrant-operator-kap")
		replaceOnce(g, filepath.Join(config, "admission", "accountsessionpolicy_warnings.yaml"),
			"name: support-access-limits", "name: support-access-limit")
		out, err := kustomizeDir(kubectlPath(t), filepath.Join(config, "default"))
		g.Expect(err).NotTo(HaveOccurred())
		broken, err := decodeManifest(out)
		g.Expect(err).NotTo(HaveOccurred())
		var failures []string
		expectAdmissionReferences(NewGomega(func(message string, _ ...int) {
			failures = append(failures, message)
		}), broken, cm)
		g.Expect(failures).To(ConsistOf(
			And(ContainSubstring("ValidatingAdmissionPolicyBinding "+namePrefix+"supportaccessgrant-operator-cap: policyName"),
				ContainSubstring(`"supportaccessgrant-operator-kap"`)),
			And(ContainSubstring("ValidatingAdmissionPolicyBinding "+namePrefix+"accountsessionpolicy-warnings: its paramRef"),
				ContainSubstring("support-access-limit")),
			ContainSubstring("ValidatingAdmissionPolicy "+namePrefix+"supportaccessgrant-operator-cap has no binding"),
		))
	})
}

// replaceOnce replaces old, which must occur exactly once, with new in file.
func replaceOnce(g Gomega, file, old, new string) {
	data, err := os.ReadFile(file)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(strings.Count(string(data), old)).To(Equal(1), "%q in %s", old, file)
	g.Expect(os.WriteFile(file, []byte(strings.Replace(string(data), old, new, 1)), 0o644)).To(Succeed())
}
