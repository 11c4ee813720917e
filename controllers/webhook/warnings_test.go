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

package webhook

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

func durationOf(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

func TestWarningsOutsideAAL2(t *testing.T) {
	tests := []struct {
		inactivity supportaccessv1alpha1.InactivityTimeout
		want       []string
	}{
		{inactivity: "15m"},
		{inactivity: "1h"},
		{inactivity: "2h", want: []string{"spec.inactivityTimeout: 2h is longer than NIST SP 800-63B-4 AAL2 allows (at most 1h): choose 15m, 30m or 1h to meet it"}},
		{inactivity: "12h", want: []string{"spec.inactivityTimeout: 12h is longer than NIST SP 800-63B-4 AAL2 allows (at most 1h): choose 15m, 30m or 1h to meet it"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.inactivity), func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			c, warnings := newWarningClient(t)
			p := &supportaccessv1alpha1.AccountSessionPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: newNamespace(t, modeOn), Name: "sessions"},
				Spec:       supportaccessv1alpha1.AccountSessionPolicySpec{InactivityTimeout: tt.inactivity},
			}
			g.Expect(c.Create(context.Background(), p)).To(Succeed())
			g.Expect(warnings.take()).To(Equal(tt.want))
		})
	}
}

func TestWarningMaxGrantDurationBelowLiveGrants(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t, modeOn)
	c, warnings := newWarningClient(t)
	grant := func(name string, mutate func(*supportaccessv1alpha1.SupportAccessGrantSpec)) {
		gr := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		mutate(&gr.Spec)
		g.Expect(c.Create(ctx, gr)).To(Succeed())
	}
	grant("two-days", func(s *supportaccessv1alpha1.SupportAccessGrantSpec) { s.Duration = durationOf(48 * time.Hour) })
	grant("one-week", func(s *supportaccessv1alpha1.SupportAccessGrantSpec) {}) // the 168h default
	grant("one-hour", func(s *supportaccessv1alpha1.SupportAccessGrantSpec) { s.Duration = durationOf(time.Hour) })
	grant("revoked", func(s *supportaccessv1alpha1.SupportAccessGrantSpec) { s.Revoked = true })
	waitForWebhookCache(t, &supportaccessv1alpha1.SupportAccessGrantList{}, ns, 4)
	g.Expect(warnings.take()).To(BeEmpty())

	// Allowed, with a warning naming the live grants it is below.
	p := &supportaccessv1alpha1.AccountSessionPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "caps"},
		Spec:       supportaccessv1alpha1.AccountSessionPolicySpec{MaxGrantDuration: durationOf(24 * time.Hour)},
	}
	g.Expect(c.Create(ctx, p)).To(Succeed())
	g.Expect(warnings.take()).To(Equal([]string{
		"spec.maxGrantDuration: 24h is shorter than the duration of 2 live grants in this namespace (one-week, two-days): " +
			"they now end 24h after their start, and new grants, renewals and duration changes must fit within 24h",
	}))

	// Lowered again: warned again. Raised: nothing to say.
	update := func(d time.Duration) {
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Spec.MaxGrantDuration = durationOf(d)
		g.Expect(c.Update(ctx, p)).To(Succeed())
	}
	update(30 * time.Minute)
	g.Expect(warnings.take()).To(ConsistOf(ContainSubstring("30m is shorter than the duration of 3 live grants in this namespace (one-hour, one-week, two-days)")))
	update(200 * time.Hour)
	g.Expect(warnings.take()).To(BeEmpty())

	// Above the operator's cap: allowed, but the operator's cap still applies.
	update(1000 * time.Hour)
	g.Expect(warnings.take()).To(Equal([]string{
		"spec.maxGrantDuration: 1000h is above the operator's limit (720h), which still caps every grant",
	}))

	// A grant longer than the lowered cap can still be edited and revoked.
	update(24 * time.Hour)
	warnings.take()
	g.Eventually(func() (time.Duration, error) {
		cached := &supportaccessv1alpha1.AccountSessionPolicy{}
		if err := webhookCache.Get(ctx, client.ObjectKeyFromObject(p), cached); err != nil || cached.Spec.MaxGrantDuration == nil {
			return 0, err
		}
		return cached.Spec.MaxGrantDuration.Duration, nil
	}, eventually, poll).Should(Equal(24*time.Hour), "the webhook's cache sees the lowered cap")
	g.Expect(c.Create(ctx, &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "new"},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{Duration: durationOf(25 * time.Hour)},
	})).To(MatchError(ContainSubstring(`spec.duration: Invalid value: "25h": must be at most 24h`)))
	week := &supportaccessv1alpha1.SupportAccessGrant{}
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "one-week"}, week)).To(Succeed())
	week.Spec.Reason = "still needed"
	week.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	g.Expect(c.Update(ctx, week)).To(Succeed())
	week.Spec.Revoked = true
	g.Expect(c.Update(ctx, week)).To(Succeed())
}

func TestWarningDuplicatePolicyNotInForce(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	// A duplicate can only exist if it got in without the webhook (a race, or the webhook off).
	ns := newNamespace(t, modeOff)
	g.Expect(k8s.Create(ctx, newUnstructured(policyGVK, ns, "first", map[string]any{}))).To(Succeed())
	dup := newUnstructured(policyGVK, ns, "second", map[string]any{})
	g.Expect(k8s.Create(ctx, dup)).To(Succeed())
	waitForWebhookCache(t, &supportaccessv1alpha1.AccountSessionPolicyList{}, ns, 2)
	setMode(t, ns, modeOn)

	c, warnings := newWarningClient(t)
	p := &supportaccessv1alpha1.AccountSessionPolicy{}
	g.Eventually(func() []string {
		if err := c.Get(ctx, client.ObjectKeyFromObject(dup), p); err != nil {
			return nil
		}
		// Any change will do: each attempt goes through admission again.
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels["attempt"] = time.Now().Format("150405.000000")
		if err := c.Update(ctx, p); err != nil {
			return nil
		}
		return warnings.take()
	}, eventually, poll).Should(ContainElement(
		`this AccountSessionPolicy is not in force: the older AccountSessionPolicy "first" applies to the namespace; delete one of them`))
}

// TestWarningsAgreeAcrossModes checks that the admission policies give the warnings they can (the
// ones that need neither the account's grants nor its other policies) in the webhooks' words,
// after kube-apiserver's prefix.
func TestWarningsAgreeAcrossModes(t *testing.T) {
	tests := []struct {
		name string
		// As written by the user: a policy quotes the value as stored, the webhook in short form.
		spec map[string]any
	}{
		{name: "outside AAL2", spec: map[string]any{"inactivityTimeout": "4h"}},
		{name: "above the operator's limit", spec: map[string]any{"maxGrantDuration": "1000h"}},
		{name: "both", spec: map[string]any{"inactivityTimeout": "2h", "maxGrantDuration": "721h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			got := map[string][]string{}
			for _, mode := range []string{modeOn, modePolicies} {
				c, warnings := newWarningClient(t)
				g.Expect(c.Create(context.Background(), newUnstructured(policyGVK, newNamespace(t, mode), "sessions", tt.spec))).To(Succeed())
				for _, w := range warnings.take() {
					if mode == modePolicies {
						prefix, msg, ok := strings.Cut(w, "': ")
						g.Expect(ok && strings.HasPrefix(prefix, "Validation failed for ValidatingAdmissionPolicy '")).To(BeTrue(), "not a policy's warning: %q", w)
						w = msg
					}
					got[mode] = append(got[mode], w)
				}
			}
			g.Expect(got[modeOn]).NotTo(BeEmpty())
			g.Expect(got[modePolicies]).To(ConsistOf(got[modeOn]))
		})
	}
}
