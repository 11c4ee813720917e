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
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/session"
)

func TestMaintenanceReportsUsageAndEndsDeadSessions(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "used", nil)
	token := loginEventually(t, serviceA, grant)
	loginEventually(t, serviceA, grant)
	m := &maintenance{svc: serviceA.svc, client: k8s, tick: time.Hour, lastReport: map[types.NamespacedName]time.Time{}}
	key := client.ObjectKeyFromObject(grant.grant)
	stored := func() supportaccessv1alpha1.SupportAccessGrantStatus {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		g.Expect(k8s.Get(ctx, key, gr)).To(Succeed())
		return gr.Status
	}

	// Two live sessions: reported with the last use.
	m.run(ctx)
	st := stored()
	g.Expect(st.ActiveSessions).To(Equal(int32(2)))
	g.Expect(st.LastUsedAt).NotTo(BeNil())

	// Debounced: a logout right away is reported only once 30 s have passed for this grant.
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue())
	status, _, _ := serviceA.call(t, "POST", "/v1/logout", token, nil)
	g.Expect(status).To(Equal(204))
	g.Eventually(func() int {
		n := 0
		serviceA.svc.sessions.Range(func(s *session.Session) bool {
			if s.Grant == "used" && s.Namespace == ns {
				n++
			}
			return true
		})
		return n
	}, eventually, poll).Should(Equal(1))
	m.run(ctx)
	g.Expect(stored().ActiveSessions).To(Equal(int32(2)), "not written again within 30 s")
	clk.Step(UsageInterval)
	m.run(ctx)
	g.Expect(stored().ActiveSessions).To(Equal(int32(1)))

	// Idle past the 30m default: the janitor deletes the Lease and the grant reports none.
	clk.Step(31 * time.Minute)
	m.run(ctx)
	g.Eventually(func() int {
		leases := &coordinationv1.LeaseList{}
		_ = k8s.List(ctx, leases, client.InNamespace(ns))
		return len(leases.Items)
	}, eventually, poll).Should(BeZero())
	g.Expect(stored().ActiveSessions).To(BeZero())
}

// Issue 12 item 10: the janitor does not delete a session only because it was logged in on a
// replica whose clock is ahead of this one's: it becomes valid here once this clock catches up.
func TestMaintenanceKeepsSessionsOfASkewedReplica(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "skewed", nil)
	loginEventually(t, serviceA, grant)
	// What a replica 5 minutes ahead would have written, as this replica's store holds it.
	_, ahead, err := session.NewSealed(ns, grant.grant.Name, grant.grant.UID, grant.email,
		grant.grant.Status.IssuedAt.Time, clk.Now().Add(5*time.Minute), session.KindAPI)
	g.Expect(err).NotTo(HaveOccurred())
	serviceA.svc.sessions.Put(ahead)
	t.Cleanup(func() { _ = serviceA.svc.sessions.Delete(ctx, ahead) })

	m := &maintenance{svc: serviceA.svc, client: k8s, tick: time.Hour, lastReport: map[types.NamespacedName]time.Time{}}
	m.run(ctx)
	_, kept := serviceA.svc.sessions.Lookup(ahead.Hash)
	g.Expect(kept).To(BeTrue(), "a session from a replica whose clock is ahead was ended as dead")
	clk.Step(5 * time.Minute)
	_, result := serviceA.svc.checkSession(ahead, clk.Now())
	g.Expect(result).To(Equal(resultValid))
}
