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
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// The managers' leader election: cmd/main.go's Lease, with short timings for the test.
const (
	leaseNamespace = "default"
	leaseName      = "support-access-operator.supportaccess.io"
	leaseDuration  = 4 * time.Second
	retryPeriod    = 500 * time.Millisecond
	// retryCap is the grant controller's longest backoff after a failed reconcile.
	retryCap = 2 * time.Second
)

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

// TestLeaderFailover kills the leader of two replicas while a grant is about to expire. Before the
// kill only the leader reconciles grants; after it the standby takes the lease within the lease
// duration plus two retry periods, the grant that expired meanwhile loses its Secret within lease
// duration + 2 s of expiresAt (docs/reference.md#performance-targets), a grant created after the
// takeover loses its Secret within 1 s of expiresAt (the new leader schedules by exact time), and
// the surviving replica's auth service answers throughout.
func TestLeaderFailover(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	election := []string{"--leader-elect", "--leader-election-namespace", leaseNamespace,
		"--leader-election-lease-duration", leaseDuration.String(),
		"--leader-election-renew-deadline", "3s", "--leader-election-retry-period", retryPeriod.String()}
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
	}, 30*time.Second, 100*time.Millisecond).Should(BeTrue(), "no replica became leader")
	oldHolder, err := leaseHolder(ctx)
	g.Expect(err).NotTo(HaveOccurred())

	expiresAt := newShortGrant(t, ns, "failover", 8*time.Second)
	token, err := login(ctx, standby, ns, "failover")
	g.Expect(err).NotTo(HaveOccurred())

	// Kill the leader 2 s before expiresAt, well inside the takeover: expiry falls during the
	// failover. Meanwhile the token works with the leader alive.
	for time.Until(expiresAt) > 2*time.Second {
		ok, err := review(standby, token)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ok).To(BeTrue(), "valid token refused before the failover")
		time.Sleep(10 * time.Millisecond) // the load's pace, not synchronisation
	}
	// One writer up to the kill: the leader has reconciled the grant, the standby not a single grant.
	led, err := grantReconciles(leader)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(led).To(BeNumerically(">", 0), "the leader's metrics show no grant reconcile")
	stood, err := grantReconciles(standby)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(stood).To(BeZero(), "the standby reconciled grants while %s led", leader.name)

	leader.proc.Kill()
	killed := time.Now()
	tookOver := watchTakeover(t, standby, oldHolder)
	// Auth on the survivor keeps working without a leader: valid until expiresAt, refused after.
	for time.Now().Before(expiresAt.Add(-300 * time.Millisecond)) {
		ok, err := review(standby, token)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ok).To(BeTrue(), "valid token refused during the failover")
		time.Sleep(10 * time.Millisecond) // the load's pace, not synchronisation
	}
	g.Eventually(func() (bool, error) { return review(standby, token) }, 2*time.Second, 10*time.Millisecond).Should(BeFalse())
	g.Expect(time.Since(expiresAt)).To(BeNumerically("<", 500*time.Millisecond), "refused late by the auth service")

	gone := secretGoneAt(t, ns, "failover", 30*time.Second)
	takeover := <-tookOver
	g.Expect(takeover.IsZero()).To(BeFalse(), "%s never took the lease over from %s", standby.name, oldHolder)
	t.Logf("leader killed; %s took over %s later; it deleted the Secret of the grant that expired %s after the kill %s after expiresAt",
		standby.name, takeover.Sub(killed).Round(time.Millisecond), expiresAt.Sub(killed).Round(time.Millisecond),
		gone.Sub(expiresAt).Round(time.Millisecond))
	// The standby sees the last renewal up to a (jittered, ×1.2) retry period late and tries to
	// acquire up to one more after the lease ran out: leaseDuration + 2×1.2 retry periods at
	// worst, plus slack for API calls on a loaded machine.
	g.Expect(takeover.Sub(killed)).To(BeNumerically("<", leaseDuration+2*retryPeriod+1500*time.Millisecond),
		"takeover took %s; the lease promises %s + 2 retry periods", takeover.Sub(killed).Round(time.Millisecond), leaseDuration)
	g.Expect(expiresAt).To(BeTemporally("<", takeover), "the grant was meant to expire during the failover")
	g.Expect(gone.Sub(expiresAt)).To(BeNumerically("<=", leaseDuration+2*time.Second),
		"expiry across a leader kill %s late; the target allows lease duration + 2 s", gone.Sub(expiresAt).Round(time.Millisecond))

	// The new leader schedules expiry by exact time, as the old one did.
	next := newShortGrant(t, ns, "after-failover", 4*time.Second)
	nextGone := secretGoneAt(t, ns, "after-failover", time.Until(next)+10*time.Second)
	t.Logf("grant issued by the new leader: Secret deleted %s after expiresAt", nextGone.Sub(next).Round(time.Millisecond))
	g.Expect(nextGone.Sub(next)).To(BeNumerically("<", 1500*time.Millisecond),
		"the new leader deleted an expired grant's Secret %s after expiresAt; the target allows 1 s", nextGone.Sub(next).Round(time.Millisecond))
	g.Expect(isLeader(standby)).To(BeTrue(), "%s lost the lease again", standby.name)
}

// leaseHolder returns the holder of the managers' leader-election Lease.
func leaseHolder(ctx context.Context) (string, error) {
	lease := &coordinationv1.Lease{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: leaseNamespace, Name: leaseName}, lease); err != nil {
		return "", err
	}
	return ptr.Deref(lease.Spec.HolderIdentity, ""), nil
}

// watchTakeover polls until m reports itself leader and the Lease names a holder other than
// oldHolder, and sends when that was first seen; the zero time if not within 30 s.
func watchTakeover(t *testing.T, m *manager, oldHolder string) <-chan time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	out := make(chan time.Time, 1)
	go func() {
		defer cancel()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if isLeader(m) {
				if holder, err := leaseHolder(ctx); err == nil && holder != "" && holder != oldHolder {
					out <- time.Now()
					return
				}
			}
			select {
			case <-ctx.Done():
				out <- time.Time{}
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// grantReconciles sums controller-runtime's controller_runtime_reconcile_total for the grant
// controller from m's metrics; 0 when the series are absent (a standby never started it).
func grantReconciles(m *manager) (float64, error) {
	resp, err := http.Get(m.metricsURL)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	var total float64
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "controller_runtime_reconcile_total{") || !strings.Contains(line, `controller="supportaccessgrant"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("metric line %q: %w", line, err)
		}
		total += v
	}
	return total, nil
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

	// Expiry happened during the outage: its delete failed and is retried with backoff capped at
	// 2 s (the grant controller's rate limiter), so it lands within the cap of the API coming
	// back, plus slack for a loaded machine; nothing else would bring the grant back soon.
	gone := secretGoneAt(t, ns, "expiring", 30*time.Second)
	t.Logf("API down %s; Secret of the grant that expired meanwhile deleted %s after the API came back",
		up.Sub(down).Round(time.Millisecond), gone.Sub(up).Round(time.Millisecond))
	g.Expect(gone.Sub(up)).To(BeNumerically("<", retryCap+3*time.Second),
		"expired grant's Secret deleted %s after the API came back; failed reconciles retry at least every %s",
		gone.Sub(up).Round(time.Millisecond), retryCap)
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
