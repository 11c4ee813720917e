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
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/expiry"
)

// Every transition of a grant's status, and the events it emits, in one table (cluster-api's
// TestSetReadyCondition style): from a status, one step of a reconcile at a fixed time, to the
// phase, the conditions and the events that the controller writes. The envtest suites prove the
// same end to end; this table is where a reader sees them all.
func TestGrantTransitions(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	now := clk.Now()
	window := expiry.Window{Start: now.Add(-time.Hour), End: now.Add(167 * time.Hour)}
	late := expiry.Window{Start: now.Add(-167 * time.Hour), End: now.Add(time.Hour)} // inside the warning
	creds := issuedCredentials{email: "support-a@support.test", secretName: "g-credentials", fresh: true}
	forbidden := apierrors.NewForbidden(schema.GroupResource{Group: "rbac.authorization.k8s.io", Resource: "rolebindings"}, "supportaccess-g",
		errString("cannot bind ClusterRole other"))
	active := func(g *supportaccessv1alpha1.SupportAccessGrant) { setActiveStatus(g, creds, window, now) }

	type want struct {
		phase       supportaccessv1alpha1.GrantPhase
		ready       metav1.ConditionStatus
		reason      string
		stalled     bool
		reconciling bool
		events      []string // "<type> <reason>", in order
	}
	for _, tc := range []struct {
		name   string
		before func(*supportaccessv1alpha1.SupportAccessGrant)
		step   func(*SupportAccessGrantReconciler, *supportaccessv1alpha1.SupportAccessGrant)
		window expiry.Window
		want   want
	}{
		{"first issue", nil, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) { active(g) }, window,
			want{supportaccessv1alpha1.GrantPhaseActive, metav1.ConditionTrue, supportaccessv1alpha1.ReasonIssued, false, false, []string{"Normal Issued"}}},
		{"nothing changed", active, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) { active(g) }, window,
			want{supportaccessv1alpha1.GrantPhaseActive, metav1.ConditionTrue, supportaccessv1alpha1.ReasonIssued, false, false, nil}},
		{"into the warning", active, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setActiveStatus(g, issuedCredentials{email: creds.email, secretName: creds.secretName}, late, now)
		}, late, want{supportaccessv1alpha1.GrantPhaseActive, metav1.ConditionTrue, supportaccessv1alpha1.ReasonIssued, false, false,
			[]string{"Normal ValidityChanged", "Warning ExpiringSoon"}}},
		{"revoked", active, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setRevokedStatus(g, now)
		}, window,
			want{supportaccessv1alpha1.GrantPhaseRevoked, metav1.ConditionTrue, supportaccessv1alpha1.ReasonRevoked, false, false, []string{"Normal Revoked"}}},
		{"expired", active, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setExpiredStatus(g, window)
		}, window,
			want{supportaccessv1alpha1.GrantPhaseExpired, metav1.ConditionTrue, supportaccessv1alpha1.ReasonExpired, false, false, []string{"Normal Expired"}}},
		{"renewed after expiry", func(g *supportaccessv1alpha1.SupportAccessGrant) { active(g); setExpiredStatus(g, window) },
			func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
				g.Spec.RenewedAt = &metav1.Time{Time: now}
				active(g)
			}, window, want{supportaccessv1alpha1.GrantPhaseActive, metav1.ConditionTrue, supportaccessv1alpha1.ReasonRenewed, false, false, []string{"Normal Renewed"}}},
		{"Secret name taken", nil, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setConflictStatus(g, &secretConflictError{name: "g-credentials"})
		}, window, want{supportaccessv1alpha1.GrantPhasePending, metav1.ConditionFalse, supportaccessv1alpha1.ReasonSecretConflict, true, false,
			[]string{"Warning SecretConflict"}}},
		{"RoleBinding name taken while Active", active, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setBindingConflictStatus(g, &bindingConflictError{name: "supportaccess-g"})
		}, window, want{supportaccessv1alpha1.GrantPhasePending, metav1.ConditionFalse, supportaccessv1alpha1.ReasonRoleBindingConflict, true, false,
			[]string{"Warning RoleBindingConflict"}}},
		{"forbidden binding", nil, func(r *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setStalled(g, supportaccessv1alpha1.ReasonForbidden, forbidden.Error())
		}, window, want{supportaccessv1alpha1.GrantPhasePending, metav1.ConditionFalse, supportaccessv1alpha1.ReasonForbidden, true, false,
			[]string{"Warning Forbidden"}}},
		{"the same forbidden binding again", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setStalled(g, supportaccessv1alpha1.ReasonForbidden, forbidden.Error())
		}, func(r *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setStalled(g, supportaccessv1alpha1.ReasonForbidden, forbidden.Error())
		}, window, want{supportaccessv1alpha1.GrantPhasePending, metav1.ConditionFalse, supportaccessv1alpha1.ReasonForbidden, true, false, nil}},
		{"a retried failure of an Active grant", active, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setRetrying(g, "update RoleBinding: connection refused")
		}, window, want{supportaccessv1alpha1.GrantPhaseActive, metav1.ConditionFalse, supportaccessv1alpha1.ReasonReconcileError, false, true,
			[]string{"Warning ReconcileError"}}},
		{"recovered from a stall", func(g *supportaccessv1alpha1.SupportAccessGrant) {
			setStalled(g, supportaccessv1alpha1.ReasonForbidden, forbidden.Error())
		}, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) { active(g) }, window,
			want{supportaccessv1alpha1.GrantPhaseActive, metav1.ConditionTrue, supportaccessv1alpha1.ReasonIssued, false, false, []string{"Normal Issued"}}},
		{"not yet valid", nil, func(_ *SupportAccessGrantReconciler, g *supportaccessv1alpha1.SupportAccessGrant) {
			setNotYetValidStatus(g, expiry.Window{Start: now.Add(time.Hour), End: now.Add(169 * time.Hour)})
		}, window, want{supportaccessv1alpha1.GrantPhasePending, metav1.ConditionTrue, supportaccessv1alpha1.ReasonNotYetValid, false, false, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			grant := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Name: "g", Namespace: "acme", Generation: 1}}
			if tc.before != nil {
				tc.before(grant)
			}
			orig := grant.DeepCopy()
			rec := events.NewFakeRecorder(10)
			r := &SupportAccessGrantReconciler{Recorder: rec, Clock: clk}
			tc.step(r, grant)
			r.emitTransitionEvents(orig, grant, tc.window, creds)

			g.Expect(grant.Status.Phase).To(Equal(tc.want.phase))
			ready := meta.FindStatusCondition(grant.Status.Conditions, supportaccessv1alpha1.ConditionReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(tc.want.ready))
			g.Expect(ready.Reason).To(Equal(tc.want.reason))
			g.Expect(ready.ObservedGeneration).To(Equal(grant.Generation))
			g.Expect(meta.IsStatusConditionTrue(grant.Status.Conditions, supportaccessv1alpha1.ConditionStalled)).To(Equal(tc.want.stalled), "Stalled")
			g.Expect(meta.IsStatusConditionTrue(grant.Status.Conditions, supportaccessv1alpha1.ConditionReconciling)).To(Equal(tc.want.reconciling), "Reconciling")
			close(rec.Events)
			var got []string
			for e := range rec.Events {
				fields := strings.Fields(e)
				got = append(got, fields[0]+" "+fields[1])
			}
			g.Expect(got).To(Equal(tc.want.events), "events")
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }
