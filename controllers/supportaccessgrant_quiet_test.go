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
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// reconcileCount reads controller-runtime's own counter of finished grant reconciles.
func reconcileCount(t *testing.T) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelValue(m, "controller") == "supportaccessgrant" {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// gaugeValue returns the value of the gauge family name whose labels include want.
func gaugeValue(t *testing.T, name string, want map[string]string) (float64, bool) {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for k, v := range want {
				if labelValue(m, k) != v {
					continue next
				}
			}
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue(), true
			}
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

func TestQuietWhenSettled(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	grant := newGrant(t, ns, "quiet", nil)
	key := client.ObjectKeyFromObject(grant)
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	secretKey := types.NamespacedName{Namespace: ns, Name: "quiet-credentials"}
	rbKey := types.NamespacedName{Namespace: ns, Name: "supportaccess-quiet"}

	// versions are the grant's and the Secret's resourceVersions: any write changes them.
	versions := func() [2]string {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		s := &corev1.Secret{}
		if k8s.Get(ctx, key, gr) != nil || k8s.Get(ctx, secretKey, s) != nil {
			return [2]string{}
		}
		return [2]string{gr.ResourceVersion, s.ResourceVersion}
	}
	// Let the reconciles queued by issuing finish: the versions stop moving.
	var settled [2]string
	g.Eventually(func() bool {
		v := versions()
		stable := v[0] != "" && v == settled
		settled = v
		return stable
	}, eventually, 600*time.Millisecond).Should(BeTrue())

	// Force reconciles by touching an owned object (an annotation the controller does not manage).
	for i := range 3 {
		before := reconcileCount(t)
		rb := &rbacv1.RoleBinding{}
		g.Expect(k8s.Get(ctx, rbKey, rb)).To(Succeed())
		if rb.Annotations == nil {
			rb.Annotations = map[string]string{}
		}
		rb.Annotations["example.com/poke"] = string(rune('a' + i))
		g.Expect(k8s.Update(ctx, rb)).To(Succeed())
		g.Eventually(func() float64 { return reconcileCount(t) }, eventually, poll).Should(BeNumerically(">", before))
	}
	// Timestamps are stored to the second: watch long enough that a needless write would show.
	g.Consistently(versions, 1500*time.Millisecond, 100*time.Millisecond).Should(Equal(settled),
		"grant or Secret written by a reconcile that had nothing to do")
}

func TestCacheHoldsOnlyOwnSecrets(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	unrelated := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-db-password"}, StringData: map[string]string{"password": "x"}}
	g.Expect(k8s.Create(ctx, unrelated)).To(Succeed())
	grant := newGrant(t, ns, "cached", nil)
	waitForPhase(t, client.ObjectKeyFromObject(grant), supportaccessv1alpha1.GrantPhaseActive)

	g.Eventually(func() error {
		return mgrCache.Get(ctx, types.NamespacedName{Namespace: ns, Name: "cached-credentials"}, &corev1.Secret{})
	}, eventually, poll).Should(Succeed(), "the operator's own Secret is cached")
	g.Consistently(func() bool {
		return isNotFound(mgrCache.Get(ctx, client.ObjectKeyFromObject(unrelated), &corev1.Secret{}))
	}, 500*time.Millisecond, 100*time.Millisecond).Should(BeTrue(), "an unrelated Secret must not be cached")

	cached := &corev1.Secret{}
	g.Expect(mgrCache.Get(ctx, types.NamespacedName{Namespace: ns, Name: "cached-credentials"}, cached)).To(Succeed())
	g.Expect(cached.ManagedFields).To(BeEmpty(), "managed fields are stripped from cached objects")
}

func TestMetrics(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := newGrant(t, ns, "measured", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	})
	active := waitForPhase(t, client.ObjectKeyFromObject(grant), supportaccessv1alpha1.GrantPhaseActive)

	g.Eventually(func() float64 {
		v, _ := gaugeValue(t, "supportaccess_grant_expiration_timestamp_seconds", map[string]string{"namespace": ns, "name": "measured"})
		return v
	}, eventually, poll).Should(Equal(float64(active.Status.ExpiresAt.Unix())))
	activeFull, ok := gaugeValue(t, "supportaccess_grants", map[string]string{"phase": "Active", "access_level": "Full"})
	g.Expect(ok).To(BeTrue())
	g.Expect(activeFull).To(BeNumerically(">=", 1))
	issued, ok := gaugeValue(t, "supportaccess_grant_transitions_total", map[string]string{"reason": "Issued"})
	g.Expect(ok).To(BeTrue())
	g.Expect(issued).To(BeNumerically(">=", 1))
	// Which key the Active grants' emails were issued under, to retire keys safely.
	byKey, ok := gaugeValue(t, "supportaccess_active_grants_by_key", map[string]string{"key_id": "1"})
	g.Expect(ok).To(BeTrue())
	g.Expect(byKey).To(BeNumerically(">=", 1))

	// Revoked grants leave the per-grant expiry series.
	updateGrant(t, client.ObjectKeyFromObject(grant), func(gr *supportaccessv1alpha1.SupportAccessGrant) { gr.Spec.Revoked = true })
	waitForPhase(t, client.ObjectKeyFromObject(grant), supportaccessv1alpha1.GrantPhaseRevoked)
	g.Eventually(func() bool {
		_, found := gaugeValue(t, "supportaccess_grant_expiration_timestamp_seconds", map[string]string{"namespace": ns, "name": "measured"})
		return found
	}, eventually, poll).Should(BeFalse())
}

// TestConcurrentEditsConverge edits a grant's spec and its Secret while the controller works on
// them: everything converges (status catches up with the last spec, the Secret is restored) with
// no lost update and a bounded number of reconciles (no hot loop).
func TestConcurrentEditsConverge(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	grant := newGrant(t, ns, "busy", nil)
	key := client.ObjectKeyFromObject(grant)
	active := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	secretKey := types.NamespacedName{Namespace: ns, Name: "busy-credentials"}
	before := reconcileCount(t)

	const edits = 20
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range edits {
			s := &corev1.Secret{}
			if k8s.Get(ctx, secretKey, s) == nil {
				s.Data["expiresAt"] = []byte("2099-01-01T00:00:00Z")
				_ = k8s.Update(ctx, s) // a conflict with the controller is part of the test
			}
		}
	}()
	for i := range edits {
		updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) {
			gr.Spec.Reason = "edit " + string(rune('a'+i))
			gr.Spec.AccessLevel = []supportaccessv1alpha1.AccessLevel{supportaccessv1alpha1.AccessLevelLimited, supportaccessv1alpha1.AccessLevelFull}[i%2]
		})
	}
	<-done

	final := &supportaccessv1alpha1.SupportAccessGrant{}
	g.Eventually(func() bool {
		_ = k8s.Get(ctx, key, final)
		return final.Status.ObservedGeneration == final.Generation
	}, eventually, poll).Should(BeTrue(), "status catches up with the last spec")
	g.Expect(final.Spec.Reason).To(Equal("edit " + string(rune('a'+edits-1))))
	g.Expect(final.Status.LoginEmail).To(Equal(active.Status.LoginEmail), "no credentials churn from edits")
	g.Eventually(func() (string, error) {
		rb := &rbacv1.RoleBinding{}
		err := k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "supportaccess-busy"}, rb)
		return rb.RoleRef.Name, err
	}, eventually, poll).Should(Equal("supportaccess-full"), "the last access level wins")
	g.Eventually(func() (string, error) {
		s, err := getSecret(secretKey)
		if err != nil {
			return "", err
		}
		return string(s.Data["expiresAt"]), nil
	}, eventually, poll).Should(Equal(active.Status.ExpiresAt.UTC().Format(time.RFC3339)), "Secret edits restored")

	// Settled: no more reconciles without changes, and the ones spent stay in proportion.
	var settled float64
	g.Eventually(func() bool {
		n := reconcileCount(t)
		stable := n == settled
		settled = n
		return stable
	}, eventually, 500*time.Millisecond).Should(BeTrue(), "reconciles keep running: a hot loop")
	spent := settled - before
	t.Logf("%d spec edits and %d Secret edits took %.0f reconciles", edits, edits, spent)
	g.Expect(spent).To(BeNumerically("<=", 6*edits))
}
