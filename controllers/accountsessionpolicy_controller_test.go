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
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// The suite runs without webhooks, so a namespace can hold two policies: the controller must
// then say which one is in force.

// newPolicy creates an AccountSessionPolicy; mutate adjusts it before the create.
func newPolicy(t *testing.T, ns, name string, mutate func(*supportaccessv1alpha1.AccountSessionPolicy)) *supportaccessv1alpha1.AccountSessionPolicy {
	t.Helper()
	p := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if mutate != nil {
		mutate(p)
	}
	if err := k8s.Create(context.Background(), p); err != nil {
		t.Fatalf("create policy: %v", err)
	}
	return p
}

// wantCondition is what a test expects of one condition; an empty message matches any.
type wantCondition struct {
	condType        string
	status          metav1.ConditionStatus
	reason          string
	messageContains string
}

// waitForPolicyStatus polls the stored policy until its status describes its current generation
// with the given inactivity timeout and conditions, and returns it.
func waitForPolicyStatus(t *testing.T, key types.NamespacedName, inactivity supportaccessv1alpha1.InactivityTimeout, conds ...wantCondition) *supportaccessv1alpha1.AccountSessionPolicy {
	t.Helper()
	p := &supportaccessv1alpha1.AccountSessionPolicy{}
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), key, p)).To(Succeed())
		g.Expect(p.Status.ObservedGeneration).To(Equal(p.Generation), "status.observedGeneration")
		g.Expect(p.Status.EffectiveInactivityTimeout).To(Equal(inactivity), "status.effectiveInactivityTimeout")
		for _, want := range conds {
			c := meta.FindStatusCondition(p.Status.Conditions, want.condType)
			g.Expect(c).NotTo(BeNil(), "condition %s", want.condType)
			g.Expect(c.Status).To(Equal(want.status), "condition %s status", want.condType)
			g.Expect(c.Reason).To(Equal(want.reason), "condition %s reason", want.condType)
			g.Expect(c.Message).To(ContainSubstring(want.messageContains), "condition %s message", want.condType)
			g.Expect(c.ObservedGeneration).To(Equal(p.Generation), "condition %s observedGeneration", want.condType)
		}
	}, eventually, poll).Should(Succeed(), "status of policy %s", key)
	return p
}

// waitForPolicyEvent polls until an event with reason regarding the policy exists, and returns it.
func waitForPolicyEvent(t *testing.T, ns, name, reason string) eventsv1.Event {
	t.Helper()
	var found eventsv1.Event
	NewWithT(t).Eventually(func() bool {
		list := &eventsv1.EventList{}
		if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
			return false
		}
		for _, e := range list.Items {
			if e.Regarding.Kind == "AccountSessionPolicy" && e.Regarding.Name == name && e.Reason == reason {
				found = e
				return true
			}
		}
		return false
	}, eventually, poll).Should(BeTrue(), "event %s on policy %s/%s", reason, ns, name)
	return found
}

func TestPolicyOldestWinsAndNewerReportsConflict(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	// Names in creation order too: created within the same second, the name decides.
	older := newPolicy(t, ns, "alpha", func(p *supportaccessv1alpha1.AccountSessionPolicy) { p.Spec.InactivityTimeout = "1h" })
	newer := newPolicy(t, ns, "beta", func(p *supportaccessv1alpha1.AccountSessionPolicy) { p.Spec.InactivityTimeout = "2h" })

	waitForPolicyStatus(t, client.ObjectKeyFromObject(older), "1h",
		wantCondition{supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonApplied, "sessions end after 1h of inactivity"},
		wantCondition{supportaccessv1alpha1.ConditionConflict, metav1.ConditionFalse, supportaccessv1alpha1.ReasonNoConflict, "newer ones are ignored"})
	// The newer one shows what the account really gets: the older policy's timeout.
	waitForPolicyStatus(t, client.ObjectKeyFromObject(newer), "1h",
		wantCondition{supportaccessv1alpha1.ConditionReady, metav1.ConditionFalse, supportaccessv1alpha1.ReasonDuplicatePolicy, `"alpha"`},
		wantCondition{supportaccessv1alpha1.ConditionConflict, metav1.ConditionTrue, supportaccessv1alpha1.ReasonDuplicatePolicy, `AccountSessionPolicy "alpha" is older and in force`})
	conflict := waitForPolicyEvent(t, ns, "beta", "Conflict")
	g.Expect(conflict.Type).To(Equal("Warning"))
	g.Expect(conflict.Related).NotTo(BeNil())
	g.Expect(conflict.Related.Name).To(Equal("alpha"))
	waitForPolicyEvent(t, ns, "alpha", "Applied")

	// Sessions use the oldest: what the auth service computes from the stored policies.
	list := &supportaccessv1alpha1.AccountSessionPolicyList{}
	g.Expect(k8s.List(ctx, list, client.InNamespace(ns))).To(Succeed())
	g.Expect(policy.Effective(list.Items)).To(Equal(policy.Settings{
		InactivityTimeout: time.Hour, MaxSessionLifetime: 12 * time.Hour, Policy: "alpha",
	}))

	// Deleting the older one puts the newer in force.
	g.Expect(k8s.Delete(ctx, older)).To(Succeed())
	waitForPolicyStatus(t, client.ObjectKeyFromObject(newer), "2h",
		wantCondition{supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonApplied, "2h of inactivity"},
		wantCondition{supportaccessv1alpha1.ConditionConflict, metav1.ConditionFalse, supportaccessv1alpha1.ReasonNoConflict, "Only AccountSessionPolicy"})
	waitForPolicyEvent(t, ns, "beta", "Applied")
	g.Expect(k8s.List(ctx, list, client.InNamespace(ns))).To(Succeed())
	g.Expect(policy.Effective(list.Items).Policy).To(Equal("beta"))
}

func TestPolicyAAL2(t *testing.T) {
	tests := []struct {
		name       string
		inactivity supportaccessv1alpha1.InactivityTimeout
		want       supportaccessv1alpha1.InactivityTimeout
		aal2       wantCondition
	}{
		{name: "default", inactivity: "", want: "30m",
			aal2: wantCondition{supportaccessv1alpha1.ConditionMeetsAAL2, metav1.ConditionTrue, supportaccessv1alpha1.ReasonWithinAAL2, "Inactivity timeout 30m and session lifetime 12h meet"}},
		{name: "1h", inactivity: "1h", want: "1h",
			aal2: wantCondition{supportaccessv1alpha1.ConditionMeetsAAL2, metav1.ConditionTrue, supportaccessv1alpha1.ReasonWithinAAL2, "meet NIST SP 800-63B-4 AAL2"}},
		{name: "2h", inactivity: "2h", want: "2h",
			aal2: wantCondition{supportaccessv1alpha1.ConditionMeetsAAL2, metav1.ConditionFalse, supportaccessv1alpha1.ReasonInactivityTooLong, "Inactivity timeout 2h is longer than NIST SP 800-63B-4 AAL2 allows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := newNamespace(t)
			p := newPolicy(t, ns, "sessions", func(p *supportaccessv1alpha1.AccountSessionPolicy) { p.Spec.InactivityTimeout = tt.inactivity })
			waitForPolicyStatus(t, client.ObjectKeyFromObject(p), tt.want, tt.aal2,
				wantCondition{supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonApplied, ""})
			if tt.aal2.status == metav1.ConditionFalse {
				waitForPolicyEvent(t, ns, "sessions", "OutsideAAL2")
			}
		})
	}
}

func TestPolicyChangeBumpsObservedGeneration(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	p := newPolicy(t, ns, "sessions", func(p *supportaccessv1alpha1.AccountSessionPolicy) { p.Spec.InactivityTimeout = "1h" })
	key := client.ObjectKeyFromObject(p)
	first := waitForPolicyStatus(t, key, "1h",
		wantCondition{supportaccessv1alpha1.ConditionMeetsAAL2, metav1.ConditionTrue, supportaccessv1alpha1.ReasonWithinAAL2, ""})

	g.Eventually(func() error {
		cur := &supportaccessv1alpha1.AccountSessionPolicy{}
		if err := k8s.Get(ctx, key, cur); err != nil {
			return err
		}
		cur.Spec.InactivityTimeout = "4h"
		return k8s.Update(ctx, cur)
	}, eventually, poll).Should(Succeed())

	second := waitForPolicyStatus(t, key, "4h",
		wantCondition{supportaccessv1alpha1.ConditionMeetsAAL2, metav1.ConditionFalse, supportaccessv1alpha1.ReasonInactivityTooLong, "4h"},
		wantCondition{supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonApplied, "4h of inactivity"})
	g.Expect(second.Status.ObservedGeneration).To(Equal(first.Status.ObservedGeneration + 1))
}

func TestPolicyReportsGrantsAboveMaxGrantDuration(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	hours := func(h int) func(*supportaccessv1alpha1.SupportAccessGrant) {
		return func(gr *supportaccessv1alpha1.SupportAccessGrant) {
			gr.Spec.Duration = &metav1.Duration{Duration: time.Duration(h) * time.Hour}
		}
	}
	newGrant(t, ns, "two-days", hours(48))
	newGrant(t, ns, "one-week", nil) // the 168h default
	newGrant(t, ns, "one-hour", hours(1))
	newGrant(t, ns, "revoked-week", func(gr *supportaccessv1alpha1.SupportAccessGrant) { gr.Spec.Revoked = true })

	p := newPolicy(t, ns, "caps", func(p *supportaccessv1alpha1.AccountSessionPolicy) {
		p.Spec.MaxGrantDuration = &metav1.Duration{Duration: 24 * time.Hour}
	})
	key := client.ObjectKeyFromObject(p)
	waitForPolicyStatus(t, key, "30m", wantCondition{supportaccessv1alpha1.ConditionGrantsExceedMaxDuration, metav1.ConditionTrue, supportaccessv1alpha1.ReasonLiveGrantsExceedMax,
		"2 live grant(s) are longer than maxGrantDuration 24h: one-week, two-days."})
	note := waitForPolicyEvent(t, ns, "caps", supportaccessv1alpha1.ConditionGrantsExceedMaxDuration).Note
	g.Expect(note).To(ContainSubstring("one-week, two-days"))

	// Revoking one updates the list: grant changes re-reconcile the namespace's policies.
	updateGrant(t, types.NamespacedName{Namespace: ns, Name: "one-week"}, func(gr *supportaccessv1alpha1.SupportAccessGrant) { gr.Spec.Revoked = true })
	waitForPolicyStatus(t, key, "30m", wantCondition{supportaccessv1alpha1.ConditionGrantsExceedMaxDuration, metav1.ConditionTrue, supportaccessv1alpha1.ReasonLiveGrantsExceedMax,
		"1 live grant(s) are longer than maxGrantDuration 24h: two-days."})

	// Raising the cap clears it.
	g.Eventually(func() error {
		cur := &supportaccessv1alpha1.AccountSessionPolicy{}
		if err := k8s.Get(ctx, key, cur); err != nil {
			return err
		}
		cur.Spec.MaxGrantDuration = &metav1.Duration{Duration: 720 * time.Hour}
		return k8s.Update(ctx, cur)
	}, eventually, poll).Should(Succeed())
	waitForPolicyStatus(t, key, "30m", wantCondition{supportaccessv1alpha1.ConditionGrantsExceedMaxDuration, metav1.ConditionFalse, supportaccessv1alpha1.ReasonGrantsWithinMax,
		"Every live grant fits within maxGrantDuration 720h"})
}
