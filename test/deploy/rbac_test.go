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
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/utils/ptr"
)

const (
	aggregateToLimited = "supportaccess.io/aggregate-to-limited"
	aggregateToFull    = "supportaccess.io/aggregate-to-full"
)

// The ClusterRoles support users are bound to (docs/reference.md#support-user-rbac) keep their
// exact names, which are the manager's defaults, and are aggregated from labelled roles.
func TestSupportUserClusterRoles(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	m := defaultManifest(t)
	mg := managerOf(t, g, m)

	limitedName, fullName := mg.value(g, "limited-cluster-role"), mg.value(g, "full-cluster-role")
	g.Expect(limitedName).To(Equal("supportaccess-limited"))
	g.Expect(fullName).To(Equal("supportaccess-full"))

	limited := mustFind[rbacv1.ClusterRole](g, m, "ClusterRole", limitedName)
	full := mustFind[rbacv1.ClusterRole](g, m, "ClusterRole", fullName)
	for _, r := range []*rbacv1.ClusterRole{limited, full} {
		// kube-controller-manager fills in and owns the rules of an aggregated role: a manifest
		// that sets them, even to [], conflicts with it on the next server-side apply.
		g.Expect(m.find("ClusterRole", r.Name).Object).NotTo(HaveKey("rules"), "%s: aggregated, so no rules field", r.Name)
		g.Expect(r.AggregationRule).NotTo(BeNil(), r.Name)
		for _, s := range r.AggregationRule.ClusterRoleSelectors {
			g.Expect(s.MatchExpressions).To(BeEmpty(), r.Name)
		}
	}
	selectorLabels := func(r *rbacv1.ClusterRole) []map[string]string {
		var out []map[string]string
		for _, s := range r.AggregationRule.ClusterRoleSelectors {
			out = append(out, s.MatchLabels)
		}
		return out
	}
	g.Expect(selectorLabels(limited)).To(ConsistOf(
		map[string]string{aggregateToLimited: "true"},
	), "Limited: no PII")
	g.Expect(selectorLabels(full)).To(ConsistOf(
		map[string]string{aggregateToLimited: "true"},
		map[string]string{aggregateToFull: "true"},
	), "Full: Limited plus the PII roles")

	// What the deploy aggregates into them itself is read-only and never touches Secrets, exec or
	// tokens: support users diagnose, they do not change an account or read its credentials.
	var aggregated []string
	for _, u := range m.kind("ClusterRole") {
		if u.GetLabels()[aggregateToLimited] != "true" && u.GetLabels()[aggregateToFull] != "true" {
			continue
		}
		r := typed[rbacv1.ClusterRole](g, u)
		aggregated = append(aggregated, r.Name)
		g.Expect(r.AggregationRule).To(BeNil(), r.Name)
		g.Expect(r.Name).NotTo(HavePrefix(namePrefix), "%s: a default support role keeps its documented name", r.Name)
		for _, rule := range r.Rules {
			g.Expect(rule.NonResourceURLs).To(BeEmpty(), r.Name)
			g.Expect(rule.Verbs).To(HaveEach(BeElementOf("get", "list", "watch")), "%s: read-only", r.Name)
			g.Expect(rule.APIGroups).NotTo(ContainElement("*"), r.Name)
			for _, res := range rule.Resources {
				g.Expect(res).NotTo(Equal("*"), r.Name)
				g.Expect(res).NotTo(BeElementOf("secrets", "serviceaccounts/token", "pods/exec", "pods/attach",
					"pods/portforward", "pods/proxy", "services/proxy", "nodes/proxy"), "%s: %s", r.Name, res)
			}
		}
	}
	g.Expect(aggregated).To(ConsistOf("supportaccess-limited-default"))
}

// binding is one role the manager's service account is bound to.
type binding struct {
	kind, name string // the roleRef
	namespace  string // "" for a ClusterRoleBinding: the role applies cluster-wide
}

func (b binding) String() string {
	if b.namespace == "" {
		return fmt.Sprintf("%s %s (cluster-wide)", b.kind, b.name)
	}
	return fmt.Sprintf("%s %s (in %s)", b.kind, b.name, b.namespace)
}

// Least privilege for the manager (docs/reference.md#reliability): exactly three roles, each with
// only what the code needs. manager-role is generated from the code's +kubebuilder:rbac markers
// (config/rbac/role.yaml) and deployed as generated; the other two are the leader election Lease in
// the manager's own namespace and the metrics endpoint's authentication and authorization.
func TestManagerRBAC(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	m := defaultManifest(t)
	mg := managerOf(t, g, m)

	saName := mg.deployment.Spec.Template.Spec.ServiceAccountName
	mustFind[corev1.ServiceAccount](g, m, "ServiceAccount", saName)
	g.Expect(ptr.Deref(mg.deployment.Spec.Template.Spec.AutomountServiceAccountToken, true)).To(BeTrue(), "the manager talks to the API with its token")

	isManager := func(subjects []rbacv1.Subject) bool {
		for _, s := range subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Name == saName && s.Namespace == namespace {
				return true
			}
		}
		return false
	}
	var bound []binding
	for _, u := range m.kind("ClusterRoleBinding") {
		b := typed[rbacv1.ClusterRoleBinding](g, u)
		if isManager(b.Subjects) {
			g.Expect(b.Subjects).To(HaveLen(1), "%s binds the manager with others", b.Name)
			bound = append(bound, binding{b.RoleRef.Kind, b.RoleRef.Name, ""})
		}
	}
	for _, u := range m.kind("RoleBinding") {
		b := typed[rbacv1.RoleBinding](g, u)
		if isManager(b.Subjects) {
			g.Expect(b.Subjects).To(HaveLen(1), "%s binds the manager with others", b.Name)
			bound = append(bound, binding{b.RoleRef.Kind, b.RoleRef.Name, b.Namespace})
		}
	}
	managerRole := binding{"ClusterRole", namePrefix + "manager-role", ""}
	metricsAuthRole := binding{"ClusterRole", namePrefix + "metrics-auth-role", ""}
	leaderElectionRole := binding{"Role", namePrefix + "leader-election-role", namespace}
	// The page rules' ConfigMap, in the manager's own namespace only (generated from a marker).
	pageRulesRole := binding{"Role", namePrefix + "manager-role", namespace}
	g.Expect(bound).To(ConsistOf(managerRole, metricsAuthRole, leaderElectionRole, pageRulesRole), "the manager's roles")

	rules := map[binding][]rbacv1.PolicyRule{}
	for _, b := range bound {
		if b.kind == "ClusterRole" {
			r := mustFind[rbacv1.ClusterRole](g, m, "ClusterRole", b.name)
			g.Expect(r.AggregationRule).To(BeNil(), "%s: an aggregated role's rules are not reviewed here", b)
			rules[b] = r.Rules
		} else {
			r := mustFind[rbacv1.Role](g, m, "Role", b.name)
			g.Expect(r.Namespace).To(Equal(b.namespace))
			rules[b] = r.Rules
		}
	}

	// manager-role is role.yaml as controller-gen generated it: nothing in config/ widens it.
	data, err := os.ReadFile(repoPath("config", "rbac", "role.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	generated, err := decodeManifest(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(generated).To(HaveLen(2))
	g.Expect(rules[managerRole]).To(Equal(typed[rbacv1.ClusterRole](g, generated[0]).Rules),
		"the deployed manager-role differs from config/rbac/role.yaml (run `make manifests`)")
	g.Expect(rules[pageRulesRole]).To(Equal(typed[rbacv1.Role](g, generated[1]).Rules),
		"the deployed manager Role differs from config/rbac/role.yaml (run `make manifests`)")
	g.Expect(rules[pageRulesRole]).To(Equal([]rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"},
		Verbs: []string{"get", "list", "watch"}}}), "the manager reads ConfigMaps of its own namespace, nothing else there")

	supportRoles := []string{mg.value(g, "limited-cluster-role"), mg.value(g, "full-cluster-role")}
	for b, rs := range rules {
		for _, r := range rs {
			rule := fmt.Sprintf("%s: rule %v", b, r)
			g.Expect(r.NonResourceURLs).To(BeEmpty(), rule)
			g.Expect(r.APIGroups).NotTo(ContainElement("*"), rule)
			g.Expect(r.Resources).NotTo(ContainElement("*"), rule)
			g.Expect(r.Verbs).NotTo(ContainElement("*"), rule)
			g.Expect(r.Verbs).NotTo(ContainElement(BeElementOf("escalate", "impersonate", "deletecollection", "approve", "sign")), rule)
			for _, res := range r.Resources {
				g.Expect(res).NotTo(BeElementOf("clusterrolebindings", "roles", "nodes", "nodes/proxy", "pods/exec",
					"pods/attach", "pods/portforward", "serviceaccounts", "serviceaccounts/token", "certificatesigningrequests",
					"mutatingwebhookconfigurations", "validatingwebhookconfigurations", "customresourcedefinitions",
					"namespaces"), rule)
				// ClusterRoles: only binding the two support roles, by name (RBAC's escalation check
				// needs it: their aggregated content can exceed the manager's own rights).
				if res == "clusterroles" {
					g.Expect(r.Verbs).To(Equal([]string{"bind"}), rule)
					g.Expect(r.ResourceNames).To(ConsistOf(supportRoles), rule)
				}
				if strings.HasPrefix(res, "secrets") {
					g.Expect(b).To(Equal(managerRole), "only the generated manager-role may touch Secrets; %s", rule)
				}
			}
			if slices.Contains(r.Verbs, "bind") {
				g.Expect(r.Resources).To(Equal([]string{"clusterroles"}), rule)
			}
		}
	}
	g.Expect(rules[leaderElectionRole]).To(ConsistOf(
		rbacv1.PolicyRule{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"},
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		rbacv1.PolicyRule{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"},
			Verbs: []string{"create", "patch"}},
	), "leader election: its Lease and events, in the manager's namespace")
	g.Expect(rules[metricsAuthRole]).To(ConsistOf(
		rbacv1.PolicyRule{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: []string{"create"}},
		rbacv1.PolicyRule{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}},
	), "metrics: authenticate and authorize scrapers")
}
