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

package reliability

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

const leaseDuration = 4 * time.Second

// newShortGrant creates a 15-minute grant whose window ends in about `in` and waits for it to be
// Active; it returns its expiresAt.
func newShortGrant(t *testing.T, ns, name string, in time.Duration) time.Time {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	grant := &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: supportaccessv1alpha1.SupportAccessGrantSpec{
			Duration:  &metav1.Duration{Duration: 15 * time.Minute},
			RenewedAt: &metav1.Time{Time: time.Now().Add(-15*time.Minute + in)},
		},
	}
	g.Expect(k8s.Create(ctx, grant)).To(Succeed())
	g.Eventually(func() supportaccessv1alpha1.GrantPhase {
		_ = k8s.Get(ctx, client.ObjectKeyFromObject(grant), grant)
		return grant.Status.Phase
	}, 30*time.Second, 20*time.Millisecond).Should(Equal(supportaccessv1alpha1.GrantPhaseActive))
	return grant.Status.ExpiresAt.Time
}

// secretGoneAt polls until the grant's Secret is gone and returns when that was seen.
func secretGoneAt(t *testing.T, ns, grant string, within time.Duration) time.Time {
	t.Helper()
	var gone time.Time
	NewWithT(t).Eventually(func() bool {
		err := k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: grant + "-credentials"}, &corev1.Secret{})
		if apierrors.IsNotFound(err) {
			gone = time.Now()
			return true
		}
		return false
	}, within, 10*time.Millisecond).Should(BeTrue(), "Secret of %s never deleted", grant)
	return gone
}

// TestLeaderFailover kills the leader of two replicas while a grant is about to expire: the other
// takes over within the lease duration, the grant expires within lease duration + 1 s of its
// expiresAt, and the surviving replica's auth service answers throughout.
func TestLeaderFailover(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	election := []string{"--leader-elect", "--leader-election-namespace", "default",
		"--leader-election-lease-duration", leaseDuration.String(),
		"--leader-election-renew-deadline", "3s", "--leader-election-retry-period", "500ms"}
	a := startManager(t, "a", election...)
	b := startManager(t, "b", election...)
	var leader, standby *manager
	g.Eventually(func() bool {
		switch {
		case isLeader(a):
			leader, standby = a, b
		case isLeader(b):
			leader, standby = b, a
		}
		return leader != nil
	}, 30*time.Second, 100*time.Millisecond).Should(BeTrue())

	expiresAt := newShortGrant(t, ns, "failover", 3*time.Second)
	token, err := login(ctx, standby, ns, "failover")
	g.Expect(err).NotTo(HaveOccurred())

	leader.proc.Kill()
	killed := time.Now()
	// Auth on the survivor keeps working without a leader: valid until expiresAt, refused after.
	for time.Now().Before(expiresAt.Add(-300 * time.Millisecond)) {
		ok, err := review(standby, token)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ok).To(BeTrue(), "valid token refused during the failover")
	}
	g.Eventually(func() (bool, error) { return review(standby, token) }, 2*time.Second, 10*time.Millisecond).Should(BeFalse())
	g.Expect(time.Now().Sub(expiresAt)).To(BeNumerically("<", 500*time.Millisecond), "refused late by the auth service")

	gone := secretGoneAt(t, ns, "failover", 30*time.Second)
	g.Expect(isLeader(standby)).To(BeTrue())
	t.Logf("leader killed; the standby led and deleted the Secret %s after expiresAt (%s after the kill)",
		gone.Sub(expiresAt).Round(time.Millisecond), gone.Sub(killed).Round(time.Millisecond))
	g.Expect(gone.Sub(expiresAt)).To(BeNumerically("<=", leaseDuration+time.Second))
}

// TestAPIServerOutage stops kube-apiserver for 10 s while grants are being issued, one expires
// and one was just revoked: the auth service refuses what it knows to be dead throughout (never
// fails open), and once the API is back the manager recovers without a restart.
func TestAPIServerOutage(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	m := startManager(t, "outage")

	expiring := newShortGrant(t, ns, "expiring", 5*time.Second)
	newShortGrant(t, ns, "staying", 10*time.Minute)
	newShortGrant(t, ns, "revoked", 10*time.Minute)
	tokens := map[string]string{}
	for _, name := range []string{"expiring", "staying", "revoked"} {
		token, err := login(ctx, m, ns, name)
		g.Expect(err).NotTo(HaveOccurred())
		tokens[name] = token
	}
	patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"revoked":true}}`))
	g.Expect(k8s.Patch(ctx, &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "revoked"}}, patch)).To(Succeed())
	g.Eventually(func() (bool, error) { return review(m, tokens["revoked"]) }, 5*time.Second, 10*time.Millisecond).Should(BeFalse())

	// Grants created just before the outage are issued after it.
	for _, name := range []string{"late-1", "late-2", "late-3"} {
		g.Expect(k8s.Create(ctx, &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})).To(Succeed())
	}
	g.Expect(cluster.StopAPIServer()).To(Succeed())
	down := time.Now()
	for time.Since(down) < 10*time.Second {
		ok, err := review(m, tokens["revoked"])
		g.Expect(err).NotTo(HaveOccurred(), "the auth service must answer while the API is down")
		g.Expect(ok).To(BeFalse(), "revoked token accepted during the outage")
		ok, err = review(m, tokens["expiring"])
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ok).To(Equal(time.Now().Before(expiring)), "expiring token at %s", time.Now().Format(time.RFC3339Nano))
		ok, err = review(m, tokens["staying"])
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ok).To(BeTrue(), "a valid token refused during the outage")
		time.Sleep(50 * time.Millisecond) // the load's pace, not synchronisation
	}
	g.Expect(cluster.StartAPIServer()).To(Succeed())
	up := time.Now()

	// Expiry happened during the outage: done once the API is back, late by at most the outage.
	gone := secretGoneAt(t, ns, "expiring", 30*time.Second)
	t.Logf("API down %s; Secret of the grant that expired meanwhile deleted %s after the API came back",
		up.Sub(down).Round(time.Millisecond), gone.Sub(up).Round(time.Millisecond))
	g.Expect(gone.Sub(expiring)).To(BeNumerically("<=", up.Sub(down)+5*time.Second))
	g.Eventually(func() int {
		p, _, _ := phases(ctx, ns)
		return p[supportaccessv1alpha1.GrantPhaseActive]
	}, time.Minute, 100*time.Millisecond).Should(Equal(4), "staying + the three created before the outage")
	ok, err := review(m, tokens["staying"])
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeTrue())
	done, _ := m.proc.Exited()
	g.Expect(done).To(BeFalse(), "the manager recovers without a restart")
}
