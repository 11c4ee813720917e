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

package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/expiry"
)

// Every phase and failure of a grant, as kstatus (sigs.k8s.io/cli-utils, what Flux, kubectl wait
// and the Argo CD health checks read) computes it: Current when the operator is done with the
// generation, InProgress while it works (a retried failure, a spec not yet seen), Failed when it
// is stuck until someone acts (docs/status.md).
func TestGrantStatusForKstatus(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	window := expiry.Window{Start: now, End: now.Add(168 * time.Hour)}
	creds := issuedCredentials{email: "support-a@support.test", secretName: "g-credentials", fresh: true}
	forbidden := `rolebindings.rbac.authorization.k8s.io "g-support" is forbidden: user "system:serviceaccount:support-access-system:manager" is attempting to grant RBAC permissions not currently held`
	for _, tc := range []struct {
		name string
		// set moves a grant of generation 2 (observed: 1) through what a reconcile does.
		set  func(g *supportaccessv1alpha1.SupportAccessGrant)
		want status.Status
	}{
		{"not reconciled yet", func(g *supportaccessv1alpha1.SupportAccessGrant) {}, status.InProgressStatus},
		{"Active", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setActiveStatus(g, creds, window, now)
			g.Status.ObservedGeneration = g.Generation
		}, status.CurrentStatus},
		{"Expired", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setExpiredStatus(g, window)
			g.Status.ObservedGeneration = g.Generation
		}, status.CurrentStatus},
		{"Revoked", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setRevokedStatus(g, now)
			g.Status.ObservedGeneration = g.Generation
		}, status.CurrentStatus},
		{"not yet valid", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setNotYetValidStatus(g, expiry.Window{Start: now.Add(time.Hour), End: now.Add(169 * time.Hour)})
			g.Status.ObservedGeneration = g.Generation
		}, status.CurrentStatus},
		{"Secret conflict", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setConflictStatus(g, &secretConflictError{name: "g-credentials"})
		}, status.FailedStatus},
		{"RoleBinding conflict", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setBindingConflictStatus(g, &bindingConflictError{name: "g-support"})
		}, status.FailedStatus},
		{"forbidden binding", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setStalled(g, supportaccessv1alpha1.ReasonForbidden, forbidden)
		}, status.FailedStatus},
		{"a failure being retried", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setRetrying(g, "create Secret: connection refused")
		}, status.InProgressStatus},
		{"Active again after a stall", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setStalled(g, supportaccessv1alpha1.ReasonForbidden, forbidden)
			setActiveStatus(g, creds, window, now)
			g.Status.ObservedGeneration = g.Generation
		}, status.CurrentStatus},
		{"Active, then retrying a new generation", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setActiveStatus(g, creds, window, now)
			setRetrying(g, "update RoleBinding: timeout")
		}, status.InProgressStatus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			grant := &supportaccessv1alpha1.SupportAccessGrant{
				TypeMeta:   metav1.TypeMeta{APIVersion: supportaccessv1alpha1.GroupVersion.String(), Kind: "SupportAccessGrant"},
				ObjectMeta: metav1.ObjectMeta{Name: "g", Namespace: "acme", Generation: 2},
				Status:     supportaccessv1alpha1.SupportAccessGrantStatus{ObservedGeneration: 1},
			}
			tc.set(grant)
			expectKstatus(g, grant, tc.want)
		})
	}
}

// The same for policies: the one in force is Current, a duplicate (only deleting a policy helps)
// is Failed.
func TestPolicyStatusForKstatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(p *supportaccessv1alpha1.AccountSessionPolicy)
		want status.Status
	}{
		{"in force", func(p *supportaccessv1alpha1.AccountSessionPolicy) {
			p.Status.ObservedGeneration = p.Generation
			setPolicyCondition(p, supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonApplied, "In force")
		}, status.CurrentStatus},
		{"duplicate", func(p *supportaccessv1alpha1.AccountSessionPolicy) {
			p.Status.ObservedGeneration = p.Generation
			setPolicyCondition(p, supportaccessv1alpha1.ConditionReady, metav1.ConditionFalse, supportaccessv1alpha1.ReasonDuplicatePolicy, "older one in force")
			setPolicyCondition(p, supportaccessv1alpha1.ConditionStalled, metav1.ConditionTrue, supportaccessv1alpha1.ReasonDuplicatePolicy, "older one in force")
		}, status.FailedStatus},
		{"not reconciled yet", func(p *supportaccessv1alpha1.AccountSessionPolicy) {}, status.InProgressStatus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			p := &supportaccessv1alpha1.AccountSessionPolicy{
				TypeMeta:   metav1.TypeMeta{APIVersion: supportaccessv1alpha1.GroupVersion.String(), Kind: "AccountSessionPolicy"},
				ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "acme", Generation: 2},
				Status:     supportaccessv1alpha1.AccountSessionPolicyStatus{ObservedGeneration: 1},
			}
			tc.set(p)
			expectKstatus(g, p, tc.want)
		})
	}
}

// expectKstatus computes kstatus for obj as Flux does, from its unstructured form.
func expectKstatus(g Gomega, obj any, want status.Status) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	res, err := status.Compute(&unstructured.Unstructured{Object: u})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	g.ExpectWithOffset(1, res.Status).To(Equal(want), "kstatus says: %s", res.Message)
}
