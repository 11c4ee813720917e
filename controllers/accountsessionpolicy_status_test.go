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
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// Every state of a policy's status in one table: in force or a duplicate, within NIST AAL2 or not,
// and its grants against its maxGrantDuration, at a fixed time.
func TestPolicyStatus(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(d)) }
	policyOf := func(name string, created metav1.Time, spec supportaccessv1alpha1.AccountSessionPolicySpec) supportaccessv1alpha1.AccountSessionPolicy {
		return supportaccessv1alpha1.AccountSessionPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme", Generation: 3, CreationTimestamp: created},
			Spec:       spec,
		}
	}
	weekLong := supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Name: "one-week", Namespace: "acme", CreationTimestamp: at(-time.Hour)},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{Duration: &metav1.Duration{Duration: 168 * time.Hour}},
		Status:     supportaccessv1alpha1.SupportAccessGrantStatus{Phase: supportaccessv1alpha1.GrantPhaseActive},
	}
	type cond struct {
		status metav1.ConditionStatus
		reason string
	}
	for _, tc := range []struct {
		name    string
		policy  supportaccessv1alpha1.AccountSessionPolicy
		others  []supportaccessv1alpha1.AccountSessionPolicy
		grants  []supportaccessv1alpha1.SupportAccessGrant
		want    map[string]cond
		timeout supportaccessv1alpha1.InactivityTimeout
		stalled bool
	}{
		{"defaults, alone", policyOf("p", at(-time.Hour), supportaccessv1alpha1.AccountSessionPolicySpec{}), nil, nil,
			map[string]cond{
				supportaccessv1alpha1.ConditionReady:                   {metav1.ConditionTrue, supportaccessv1alpha1.ReasonApplied},
				supportaccessv1alpha1.ConditionConflict:                {metav1.ConditionFalse, supportaccessv1alpha1.ReasonNoConflict},
				supportaccessv1alpha1.ConditionMeetsAAL2:               {metav1.ConditionTrue, supportaccessv1alpha1.ReasonWithinAAL2},
				supportaccessv1alpha1.ConditionGrantsExceedMaxDuration: {metav1.ConditionFalse, supportaccessv1alpha1.ReasonNoMaxGrantDuration},
			}, supportaccessv1alpha1.InactivityTimeout30m, false},
		{"idle 2h: outside AAL2", policyOf("p", at(-time.Hour), supportaccessv1alpha1.AccountSessionPolicySpec{InactivityTimeout: supportaccessv1alpha1.InactivityTimeout2h}), nil, nil,
			map[string]cond{supportaccessv1alpha1.ConditionMeetsAAL2: {metav1.ConditionFalse, supportaccessv1alpha1.ReasonInactivityTooLong}},
			supportaccessv1alpha1.InactivityTimeout2h, false},
		{"lifetime 24h30m is clamped, still within AAL2", policyOf("p", at(-time.Hour), supportaccessv1alpha1.AccountSessionPolicySpec{
			MaxSessionLifetime: &metav1.Duration{Duration: 24*time.Hour + 30*time.Minute}}), nil, nil,
			map[string]cond{supportaccessv1alpha1.ConditionMeetsAAL2: {metav1.ConditionTrue, supportaccessv1alpha1.ReasonWithinAAL2}},
			supportaccessv1alpha1.InactivityTimeout30m, false},
		{"a live grant longer than maxGrantDuration", policyOf("p", at(-time.Hour), supportaccessv1alpha1.AccountSessionPolicySpec{
			MaxGrantDuration: &metav1.Duration{Duration: 24 * time.Hour}}), nil, []supportaccessv1alpha1.SupportAccessGrant{weekLong},
			map[string]cond{supportaccessv1alpha1.ConditionGrantsExceedMaxDuration: {metav1.ConditionTrue, supportaccessv1alpha1.ReasonLiveGrantsExceedMax}},
			supportaccessv1alpha1.InactivityTimeout30m, false},
		{"grants within maxGrantDuration", policyOf("p", at(-time.Hour), supportaccessv1alpha1.AccountSessionPolicySpec{
			MaxGrantDuration: &metav1.Duration{Duration: 720 * time.Hour}}), nil, []supportaccessv1alpha1.SupportAccessGrant{weekLong},
			map[string]cond{supportaccessv1alpha1.ConditionGrantsExceedMaxDuration: {metav1.ConditionFalse, supportaccessv1alpha1.ReasonGrantsWithinMax}},
			supportaccessv1alpha1.InactivityTimeout30m, false},
		{"a newer duplicate", policyOf("second", at(-time.Minute), supportaccessv1alpha1.AccountSessionPolicySpec{InactivityTimeout: supportaccessv1alpha1.InactivityTimeout15m}),
			[]supportaccessv1alpha1.AccountSessionPolicy{policyOf("first", at(-time.Hour), supportaccessv1alpha1.AccountSessionPolicySpec{InactivityTimeout: supportaccessv1alpha1.InactivityTimeout1h})}, nil,
			map[string]cond{
				supportaccessv1alpha1.ConditionReady:    {metav1.ConditionFalse, supportaccessv1alpha1.ReasonDuplicatePolicy},
				supportaccessv1alpha1.ConditionConflict: {metav1.ConditionTrue, supportaccessv1alpha1.ReasonDuplicatePolicy},
			}, supportaccessv1alpha1.InactivityTimeout1h, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			p := tc.policy.DeepCopy()
			all := append([]supportaccessv1alpha1.AccountSessionPolicy{*p}, tc.others...)
			setPolicyStatus(p, all, tc.grants, now)
			g.Expect(p.Status.ObservedGeneration).To(Equal(p.Generation))
			g.Expect(p.Status.EffectiveInactivityTimeout).To(Equal(tc.timeout), "the timeout in force in the namespace")
			for condType, want := range tc.want {
				c := meta.FindStatusCondition(p.Status.Conditions, condType)
				g.Expect(c).NotTo(BeNil(), condType)
				g.Expect(cond{c.Status, c.Reason}).To(Equal(want), condType)
				g.Expect(c.ObservedGeneration).To(Equal(p.Generation), condType)
			}
			g.Expect(meta.IsStatusConditionTrue(p.Status.Conditions, supportaccessv1alpha1.ConditionStalled)).To(Equal(tc.stalled), "Stalled")
		})
	}
}
