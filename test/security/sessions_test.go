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

package security

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

// finalizerKeepsSessionAlive is item 3: "kill session" is deleting its Lease
// (docs/reference.md#session-leases). The attacker, holding a session, puts a finalizer on its
// Lease first, so that the delete leaves the Lease in place, terminating. Before the fix a
// terminating Lease stayed a valid session on every replica that had not served the logout, and
// after an admin's delete on all of them.
func finalizerKeepsSessionAlive(t *testing.T, w *world) {
	ctx := t.Context()
	g := NewWithT(t)
	a := w.createTenantGrant(t, g, "attacker-kill")
	token := w.loginAs(t, g, e2esuite.ClientFrom(t, attackerAddress), a)
	lease := leaseName(token)
	// Valid, and now in kube-apiserver's 10 s success cache.
	expectNotVictim(ctx, g, w, token, a.username())

	t.Cleanup(func() { w.removeFinalizers(t, lease) })
	mustKubectl(ctx, g, w.tenant, "", "patch", "lease", lease, "-n", attackerNamespace, "--type=merge", "-p", `{"metadata":{"finalizers":["security.test/keep-alive"]}}`)
	mustKubectl(ctx, g, w.tenant, "", "delete", "lease", lease, "-n", attackerNamespace, "--wait=false")
	g.Expect(mustKubectl(ctx, g, w.tenant, "", "get", "lease", lease, "-n", attackerNamespace, "-o", "jsonpath={.metadata.deletionTimestamp}")).
		NotTo(BeEmpty(), "the finalizer did not hold the Lease: the attack was not made")

	g.Eventually(func(g Gomega) { expectRefused(ctx, g, token, "a session whose Lease is being deleted") }).
		WithTimeout(refusedAtOnce).WithPolling(poll).Should(Succeed())
	g.Consistently(func(g Gomega) { expectRefused(ctx, g, token, "a session whose Lease is being deleted") }).
		WithTimeout(staysRefused).WithPolling(500 * time.Millisecond).Should(Succeed())
	// kube-apiserver keeps a token it authenticated for a fixed 10 s, whatever the webhook says
	// since (docs/reference.md#token-caching-in-kube-apiserver): it refuses the token within that,
	// plus the webhook cache TTL.
	g.Eventually(func(g Gomega) {
		_, r, ok := whoami(ctx, supportUser("the killed session", token))
		g.Expect(ok).To(BeFalse(), "kube-apiserver still authenticates a killed session")
		g.Expect(unauthorized(r)).To(BeTrue(), "kubectl with a killed session failed, but not as Unauthorized\n%s", r)
	}).WithTimeout(e2esuite.APIServerSuccessCacheTTL + e2esuite.WebhookCacheTTL + 3*time.Second).WithPolling(time.Second).Should(Succeed())

	w.removeFinalizers(t, lease)
	g.Eventually(func() bool {
		return strings.Contains(kubectl(ctx, w.tenant, "", "get", "lease", lease, "-n", attackerNamespace).Stderr, "NotFound")
	}).WithTimeout(eventually).WithPolling(poll).Should(BeTrue(), "the Lease is still there once its finalizer is gone")
}

// forgedSession is item 4. The tenant admin reads its grant's password and every field of a real
// session Lease, so it can write any Lease a login writes, with a token it chose: before the fix
// the seal was an HMAC keyed with the password's SHA-256, and a forged Lease was a session (no
// login, no throttle, no Login event) that outlived maxSessionLifetime with an acquireTime ahead.
// It also re-creates a session's Lease from a copy after the session ended.
func forgedSession(t *testing.T, w *world) {
	ctx := t.Context()
	g := NewWithT(t)
	a := w.createTenantGrant(t, g, "attacker-forge")
	client := e2esuite.ClientFrom(t, attackerAddress)
	genuine := getLease(ctx, g, w, leaseName(w.loginAs(t, g, client, a)))

	now := time.Now()
	for _, forgery := range []struct {
		name              string
		acquired, renewed time.Time
	}{
		{"login time now", now, now},
		// What the issue reproduced: the lifetime counts from acquireTime, so it ends 10h late.
		{"login time 10h ahead", now.Add(10 * time.Hour), now},
		{"login and activity 10h ahead", now.Add(10 * time.Hour), now.Add(10 * time.Hour)},
	} {
		t.Run("forged with the password-keyed seal, "+forgery.name, func(t *testing.T) {
			g := NewWithT(t)
			token := chosenToken(g)
			lease := copyLease(genuine, leaseName(token))
			acquired := metav1.NewMicroTime(forgery.acquired.UTC().Truncate(time.Microsecond))
			renewed := metav1.NewMicroTime(forgery.renewed.UTC().Truncate(time.Microsecond))
			lease.Spec.AcquireTime, lease.Spec.RenewTime = &acquired, &renewed
			lease.Annotations["supportaccess.io/session-mac"] = passwordSeal(a.password, lease)
			createLease(ctx, g, w, lease)
			g.Consistently(func(g Gomega) { expectRefused(ctx, g, token, "a token whose Lease the attacker wrote") }).
				WithTimeout(staysRefused).WithPolling(500 * time.Millisecond).Should(Succeed())
			_, r, ok := whoami(ctx, supportUser("a forged session", token))
			g.Expect(ok).To(BeFalse(), "kube-apiserver authenticates a session the attacker wrote without logging in")
			g.Expect(unauthorized(r)).To(BeTrue(), "kubectl with a forged session failed, but not as Unauthorized\n%s", r)
		})
	}

	for _, end := range []struct {
		name string
		end  func(g Gomega, token string)
	}{
		// With one replica the logout's tombstone alone refuses the hash for 10 minutes.
		{"logged out", func(g Gomega, token string) { logout(ctx, g, token) }},
		// No tombstone: only the seal, bound to the Lease's UID, refuses the copy.
		{"killed by deleting its Lease", func(g Gomega, token string) {
			mustKubectl(ctx, g, w.tenant, "", "delete", "lease", leaseName(token), "-n", attackerNamespace)
		}},
	} {
		t.Run("re-created from a copy after the session was "+end.name, func(t *testing.T) {
			g := NewWithT(t)
			token := w.loginAs(t, g, client, a)
			saved := getLease(ctx, g, w, leaseName(token))
			end.end(g, token)
			g.Eventually(func() bool {
				return strings.Contains(kubectl(ctx, w.tenant, "", "get", "lease", saved.Name, "-n", attackerNamespace).Stderr, "NotFound")
			}).WithTimeout(eventually).WithPolling(poll).Should(BeTrue(), "the ended session's Lease is still there")
			g.Eventually(func(g Gomega) { expectRefused(ctx, g, token, "an ended session") }).
				WithTimeout(refusedAtOnce).WithPolling(poll).Should(Succeed())

			createLease(ctx, g, w, copyLease(saved, saved.Name))
			g.Consistently(func(g Gomega) {
				expectRefused(ctx, g, token, "an ended session whose Lease was re-created from a copy")
			}).
				WithTimeout(staysRefused).WithPolling(500 * time.Millisecond).Should(Succeed())
			_, r, ok := whoami(ctx, supportUser("a replayed session", token))
			g.Expect(ok).To(BeFalse(), "kube-apiserver authenticates an ended session brought back from a copy of its Lease")
			g.Expect(unauthorized(r)).To(BeTrue(), "kubectl with a replayed session failed, but not as Unauthorized\n%s", r)
		})
	}
	// A renewTime pushed ahead is not played here: nothing shows it within a test's run time (the
	// shortest inactivity timeout is 15 minutes). internal/auth TestEditedLeaseTimesChangeNothing
	// plays it with an injected clock.
}

// unboundedSessions is item 5: logins to one grant each write a Lease. Before the fix 2,000 logins
// made 2,000 Leases; now a grant keeps at most --max-sessions-per-grant live sessions (the oldest
// ends, with a SessionLimit event) and successful logins per grant are rate-limited.
func unboundedSessions(t *testing.T, w *world) {
	ctx := t.Context()
	g := NewWithT(t)
	a := w.createTenantGrant(t, g, "attacker-flood")
	client := e2esuite.ClientFrom(t, attackerAddress)
	tokens := []string{w.loginAs(t, g, client, a)}
	for len(tokens) < maxSessionsPerGrant+5 {
		tokens = append(tokens, mustLogin(ctx, g, client, "the attacker's "+a.name, a.email, a.password))
	}
	// Counted, not listed: a failure message must not print the Leases' names (token hashes).
	sessionLeases := func(g Gomega) int {
		return len(strings.Fields(mustKubectl(ctx, g, w.tenant, "", "get", "leases", "-n", attackerNamespace, "-o", "name",
			"-l", "supportaccess.io/component=session,supportaccess.io/grant="+a.name)))
	}
	g.Eventually(sessionLeases).WithTimeout(refusedAtOnce).WithPolling(poll).Should(BeNumerically("<=", maxSessionsPerGrant),
		"%d logins to one grant left more than %d session Leases: sessions per grant are not capped", len(tokens), maxSessionsPerGrant)
	for i, token := range tokens[:len(tokens)-maxSessionsPerGrant] {
		g.Eventually(func(g Gomega) { expectRefused(ctx, g, token, "a session over the per-grant cap") }).
			WithTimeout(refusedAtOnce).WithPolling(poll).Should(Succeed(), "login #%d of %d", i+1, len(tokens))
	}
	review, _ := tokenUser(ctx, g, tokens[len(tokens)-1])
	g.Expect(review.Username).To(Equal(a.username()), "the latest login's session was ended instead of the oldest")
	g.Eventually(func(g Gomega) []event {
		return eventsAbout(ctx, g, w.tenant, attackerNamespace, a.name, "SessionLimit")
	}).WithTimeout(eventually).WithPolling(poll).ShouldNot(BeEmpty(), "no SessionLimit event: the account admin is not told why sessions ended")

	// Keep logging in: the grant's login rate runs out.
	var throttled *loginReply
	successes := len(tokens)
	for successes <= maxLoginsPerGrant+5 {
		r := login(ctx, g, client, "the attacker's "+a.name, a.email, a.password)
		if r.Status == http.StatusTooManyRequests {
			throttled = &r
			break
		}
		g.Expect(r.Status).To(Equal(http.StatusOK), "login #%d: %s", successes+1, r.Body)
		successes++
	}
	g.Expect(throttled).NotTo(BeNil(), "%d successful logins to one grant and none refused: logins per grant are not rate-limited", successes)
	g.Expect(successes).To(Equal(maxLoginsPerGrant), "the per-grant login rate let %d logins through, want %d", successes, maxLoginsPerGrant)
	g.Expect(throttled.Header.Get("Retry-After")).NotTo(BeEmpty(), "a throttled login does not say when to retry")
	g.Expect(sessionLeases(g)).To(BeNumerically("<=", maxSessionsPerGrant), "session Leases of one grant beyond the cap after %d logins", successes)
}

// chosenToken is a token the attacker picks: the shape of a real one (sat_ + 32 random bytes).
func chosenToken(g Gomega) string {
	var raw [32]byte
	_, err := rand.Read(raw[:])
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	token := "sat_" + base64.RawURLEncoding.EncodeToString(raw[:])
	env.Secrets.Remember("a token the attacker chose", token)
	return token
}

// getLease reads a session Lease as the tenant admin.
func getLease(ctx context.Context, g Gomega, w *world, name string) *coordinationv1.Lease {
	out := mustKubectl(ctx, g, w.tenant, "", "get", "lease", name, "-n", attackerNamespace, "-o", "json")
	lease := &coordinationv1.Lease{}
	g.ExpectWithOffset(1, json.Unmarshal([]byte(out), lease)).To(Succeed(), "decode Lease %s", name)
	return lease
}

// copyLease is what the attacker writes from a Lease it read: everything but what kube-apiserver
// assigns (UID, resource version, creation time), under name.
func copyLease(from *coordinationv1.Lease, name string) *coordinationv1.Lease {
	lease := &coordinationv1.Lease{
		TypeMeta: metav1.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       from.Namespace,
			Labels:          from.Labels,
			Annotations:     map[string]string{},
			OwnerReferences: from.OwnerReferences,
		},
		Spec: *from.Spec.DeepCopy(),
	}
	for k, v := range from.Annotations {
		lease.Annotations[k] = v
	}
	return lease
}

func createLease(ctx context.Context, g Gomega, w *world, lease *coordinationv1.Lease) {
	manifest, err := json.Marshal(lease)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	mustKubectl(ctx, g, w.tenant, string(manifest), "create", "-f", "-")
}

// passwordSeal is the seal the code before the fix accepted (annotation supportaccess.io/session-
// mac): hex(HMAC-SHA256(SHA-256(password), claims)), which anyone who reads the grant's Secret can
// compute.
func passwordSeal(password string, lease *coordinationv1.Lease) string {
	grant := lease.Labels["supportaccess.io/grant"]
	var grantUID string
	for _, ref := range lease.OwnerReferences {
		if ref.Kind == "SupportAccessGrant" && ref.Name == grant {
			grantUID = string(ref.UID)
		}
	}
	email := strings.TrimPrefix(*lease.Spec.HolderIdentity, "supportaccess:")
	issuedAt, _ := time.Parse(time.RFC3339, lease.Annotations["supportaccess.io/credentials-issued-at"])
	msg := strings.Join([]string{
		lease.Namespace, lease.Name, grant, grantUID, email,
		issuedAt.UTC().Format(time.RFC3339), lease.Spec.AcquireTime.UTC().Format(time.RFC3339Nano),
	}, "\n")
	key := sha256.Sum256([]byte(password))
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(msg))
	return hex.EncodeToString(mac.Sum(nil))
}
