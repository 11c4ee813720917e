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

package auth

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// The controller never writes activeSessions: when a grant is revoked or expires it deletes the
// grant's sessions and leaves the count to the maintenance pass, which reports zero within its
// 30 s debounce (and not sooner than 30 s after its previous report of that grant).
func TestMaintenanceReportsZeroWhenAccessEnds(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	revoked := issueGrant(t, ns, "revoked", nil)
	expired := issueGrant(t, ns, "expired", nil)
	loginEventually(t, serviceA, revoked)
	loginEventually(t, serviceA, expired)
	m := &maintenance{svc: serviceA.svc, client: k8s, tick: time.Hour, lastReport: map[types.NamespacedName]time.Time{}}
	activeSessions := func(gr issued) int32 {
		stored := &supportaccessv1alpha1.SupportAccessGrant{}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(gr.grant), stored)).To(Succeed())
		return stored.Status.ActiveSessions
	}
	m.run(ctx)
	g.Expect(activeSessions(revoked)).To(Equal(int32(1)))
	g.Expect(activeSessions(expired)).To(Equal(int32(1)))

	// What the controller does, without touching activeSessions: revoked, and expired (its window
	// ended) with its sessions deleted.
	g.Expect(k8s.Patch(ctx, revoked.grant.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(`{"spec":{"revoked":true}}`)))).To(Succeed())
	setStatus(t, revoked.grant, func(s *supportaccessv1alpha1.SupportAccessGrantStatus) {
		s.Phase, s.SecretName = supportaccessv1alpha1.GrantPhaseRevoked, ""
	})
	ended := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	expiredSpec := []byte(`{"spec":{"duration":"15m","renewedAt":"` + ended.UTC().Format(time.RFC3339) + `"}}`)
	g.Expect(k8s.Patch(ctx, expired.grant.DeepCopy(), client.RawPatch(types.MergePatchType, expiredSpec))).To(Succeed())
	setStatus(t, expired.grant, func(s *supportaccessv1alpha1.SupportAccessGrantStatus) {
		s.Phase, s.SecretName = supportaccessv1alpha1.GrantPhaseExpired, ""
	})
	g.Expect(k8s.DeleteAllOf(ctx, &coordinationv1.Lease{}, client.InNamespace(ns), client.MatchingLabels{
		supportaccessv1alpha1.LabelGrant: "expired",
	})).To(Succeed())
	g.Eventually(func() bool {
		r, okR := serviceA.svc.index.grant(client.ObjectKeyFromObject(revoked.grant))
		e, okE := serviceA.svc.index.grant(client.ObjectKeyFromObject(expired.grant))
		left := false
		serviceA.svc.sessions.Range(func(s *session.Session) bool {
			left = left || (s.Namespace == ns && s.Grant == "expired")
			return true
		})
		return okR && r.Revoked && okE && e.Phase == supportaccessv1alpha1.GrantPhaseExpired && !left
	}, eventually, poll).Should(BeTrue(), "the auth service sees the revocation, the expiry and the deleted sessions")

	// Debounced: not within 30 s of the last report.
	m.run(ctx)
	g.Expect(activeSessions(revoked)).To(Equal(int32(1)), "not written again within 30 s")
	g.Expect(activeSessions(expired)).To(Equal(int32(1)), "not written again within 30 s")
	clk.Step(UsageInterval)
	m.run(ctx)
	g.Expect(activeSessions(revoked)).To(BeZero(), "a revoked grant's count drops to zero")
	g.Expect(activeSessions(expired)).To(BeZero(), "an expired grant's count drops to zero")
}
