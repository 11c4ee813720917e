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
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// Attacks of a tenant admin (every verb in its own namespace, status included,
// docs/reference.md#tenant-model) on the auth service. Each test plays the attacker through the
// real kube-apiserver and checks that the other account's support user keeps working.

// Issue 12 item 1: tenant A writes tenant B's login email into A's grant status, then logs in with
// B's email and A's own password, hoping for B's identity.
func TestClaimedEmailNeverAuthenticates(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	victim := issueGrant(t, newNamespace(t), "victim", nil)
	victimToken := loginEventually(t, serviceA, victim)

	attacker := issueGrant(t, newNamespace(t), "attacker", nil)
	loginEventually(t, serviceA, attacker)
	setStatus(t, attacker.grant, func(s *supportaccessv1alpha1.SupportAccessGrantStatus) { s.LoginEmail = victim.email })
	g.Eventually(func() string {
		if st, ok := serviceA.svc.index.grant(client.ObjectKeyFromObject(attacker.grant)); ok {
			return st.grant.Status.LoginEmail
		}
		return ""
	}, eventually, poll).Should(Equal(victim.email))
	// Touch the grant again, and again: a later event must not let the claim in either.
	for i := range 3 {
		setStatus(t, attacker.grant, func(s *supportaccessv1alpha1.SupportAccessGrantStatus) { s.ActiveSessions = int32(i + 1) })
	}
	g.Eventually(func() int32 {
		if st, ok := serviceA.svc.index.grant(client.ObjectKeyFromObject(attacker.grant)); ok {
			return st.grant.Status.ActiveSessions
		}
		return 0
	}, eventually, poll).Should(Equal(int32(3)))

	status, _, _ := serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": victim.email, "password": attacker.password})
	g.Expect(status).To(Equal(http.StatusUnauthorized), "another grant's email with the attacker's password")
	status, _, _ = serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": attacker.email, "password": attacker.password})
	g.Expect(status).To(Equal(http.StatusUnauthorized), "a grant whose status email does not verify is refused at login")

	// The victim is neither impersonated nor locked out.
	g.Expect(serviceA.review(t, victimToken).Status.Authenticated).To(BeTrue())
	token, body := serviceA.login(t, victim.email, victim.password)
	g.Expect(body["account"]).To(Equal(victim.grant.Namespace))
	review := serviceA.review(t, token)
	g.Expect(review.Status.User.Username).To(Equal("supportaccess:" + victim.email))
	g.Expect(review.Status.User.Groups).To(ContainElement("supportaccess.io:account:" + victim.grant.Namespace))
}

// Issue 12 item 4: the tenant can read its grant's password, which used to key the session seal.
// It forges a Lease sealed the old way (HMAC keyed with SHA-256 of the password), with a login
// time in the future that would outlive maxSessionLifetime: no session.
func TestLeaseSealedWithThePasswordIsNoSession(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "forge", nil)
	real := loginEventually(t, serviceA, grant)
	realLease := &coordinationv1.Lease{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: serviceA.leaseNameOf(real)}, realLease)).To(Succeed())

	token, hash, err := session.NewToken()
	g.Expect(err).NotTo(HaveOccurred())
	name := session.LeaseName(hash)
	acquired := clk.Now().Add(13 * time.Hour).Truncate(time.Microsecond)
	issuedAt := grant.grant.Status.IssuedAt.UTC().Format(time.RFC3339)
	key := sha256.Sum256([]byte(grant.password))
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(strings.Join([]string{ns, name, grant.grant.Name, string(grant.grant.UID), grant.email,
		issuedAt, acquired.Format(time.RFC3339Nano)}, "\n")))
	forged := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: realLease.Labels,
			OwnerReferences: realLease.OwnerReferences,
			Annotations: map[string]string{
				"supportaccess.io/credentials-issued-at": issuedAt,
				"supportaccess.io/session-mac":           hex.EncodeToString(mac.Sum(nil)),
				// Copies of the real Lease's seals: they cover another name and UID.
				"supportaccess.io/session-seal":  realLease.Annotations["supportaccess.io/session-seal"],
				"supportaccess.io/activity-seal": realLease.Annotations["supportaccess.io/activity-seal"],
			}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: realLease.Spec.HolderIdentity,
			AcquireTime: &metav1.MicroTime{Time: acquired}, RenewTime: &metav1.MicroTime{Time: acquired}},
	}
	g.Expect(k8s.Create(ctx, forged)).To(Succeed())
	g.Consistently(func() bool {
		_, ok := serviceA.svc.sessions.Lookup(hash)
		return ok || serviceA.review(t, token).Status.Authenticated
	}, time.Second, 50*time.Millisecond).Should(BeFalse(), "a Lease the operator did not seal")
	g.Expect(serviceA.review(t, real).Status.Authenticated).To(BeTrue())
}

// A tenant saves a session Lease, lets support log out (or an admin kills it), then re-creates
// the Lease from the copy: still logged out, on every replica and after a restart.
func TestRecreatedLeaseStaysEnded(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "replay", nil)
	token := loginEventually(t, serviceA, grant)
	saved := &coordinationv1.Lease{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: serviceA.leaseNameOf(token)}, saved)).To(Succeed())

	status, _, _ := serviceA.call(t, http.MethodPost, "/v1/logout", token, nil)
	g.Expect(status).To(Equal(http.StatusNoContent))
	replay := saved.DeepCopy()
	replay.ResourceVersion, replay.UID, replay.CreationTimestamp = "", "", metav1.Time{}
	g.Eventually(func() error { return k8s.Create(ctx, replay) }, eventually, poll).Should(Succeed())

	restarted, err := startService(ctx, restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	defer restarted.stop()
	for _, s := range []*testService{serviceA, restarted} {
		g.Consistently(func() bool { return s.review(t, token).Status.Authenticated }, 500*time.Millisecond, 50*time.Millisecond).
			Should(BeFalse(), "a logged-out session brought back from a copy of its Lease")
	}
}

// Issue 12 item 3: a Lease with a finalizer, deleted (logout elsewhere, an admin's "kill
// session"), is a dead session on every replica, not only the one that served the logout.
func TestTerminatingLeaseIsADeadSession(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	serviceB, err := startService(ctx, restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	defer serviceB.stop()
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "finalized", nil)
	token := loginEventually(t, serviceA, grant)
	waitForReview(t, serviceB, token, true)

	lease := &coordinationv1.Lease{}
	key := client.ObjectKey{Namespace: ns, Name: serviceA.leaseNameOf(token)}
	g.Expect(k8s.Get(ctx, key, lease)).To(Succeed())
	lease.Finalizers = append(lease.Finalizers, "tenant.example/keep")
	g.Expect(k8s.Update(ctx, lease)).To(Succeed())
	t.Cleanup(func() {
		l := &coordinationv1.Lease{}
		if k8s.Get(ctx, key, l) == nil {
			l.Finalizers = nil
			_ = k8s.Update(ctx, l)
		}
	})
	g.Expect(k8s.Delete(ctx, lease)).To(Succeed()) // kubectl delete lease: "kill session"
	waitForReview(t, serviceA, token, false)
	waitForReview(t, serviceB, token, false)
	status, _, _ := serviceB.call(t, http.MethodGet, "/v1/session", token, nil)
	g.Expect(status).To(Equal(http.StatusUnauthorized))
}

// Issue 12 item 4 and 10: renewTime and acquireTime edited by a tenant change nothing: the session
// idles out and ends at its lifetime as if untouched, and is not thrown away as forged either.
func TestEditedLeaseTimesChangeNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "dodge", nil)
	token := loginEventually(t, serviceA, grant)

	key := client.ObjectKey{Namespace: ns, Name: serviceA.leaseNameOf(token)}
	lease := &coordinationv1.Lease{}
	g.Expect(k8s.Get(ctx, key, lease)).To(Succeed())
	far := clk.Now().Add(100 * 365 * 24 * time.Hour)
	lease.Spec.RenewTime = &metav1.MicroTime{Time: far}
	lease.Spec.AcquireTime = &metav1.MicroTime{Time: far}
	g.Expect(k8s.Update(ctx, lease)).To(Succeed())
	g.Eventually(func() string {
		_ = k8s.Get(ctx, key, lease)
		return lease.ResourceVersion
	}, eventually, poll).ShouldNot(BeEmpty())
	// Still valid: an edit is not activity, nor a reason to end the session.
	g.Consistently(func() bool { return serviceA.review(t, token).Status.Authenticated }, 300*time.Millisecond, 50*time.Millisecond).Should(BeTrue())
	// And it idles out on time: the 30-minute default, counted from the last real use.
	clk.Step(30 * time.Minute)
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeFalse(), "renewTime pushed into the future dodged the idle timeout")

	// The same Lease times survive a restart of the replica (the edit is still in the API).
	restarted, err := startService(ctx, restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	defer restarted.stop()
	g.Expect(restarted.review(t, token).Status.Authenticated).To(BeFalse())
}

// Issue 12 item 11: a session is keyed by its Lease, not by the token's hash alone. A Lease of the
// same name in another namespace, created and deleted by that namespace's tenant, touches nothing.
func TestSameNamedLeaseElsewhereTouchesNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "keyed", nil)
	token := loginEventually(t, serviceA, grant)

	other := newNamespace(t)
	lease := &coordinationv1.Lease{}
	g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: serviceA.leaseNameOf(token)}, lease)).To(Succeed())
	twin := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: lease.Name, Labels: lease.Labels,
		Annotations: lease.Annotations}, Spec: lease.Spec}
	g.Expect(k8s.Create(ctx, twin)).To(Succeed())
	g.Expect(k8s.Delete(ctx, twin)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(twin), &coordinationv1.Lease{}))
	}, eventually, poll).Should(BeTrue())
	g.Consistently(func() bool { return serviceA.review(t, token).Status.Authenticated }, 500*time.Millisecond, 50*time.Millisecond).Should(BeTrue())
}

// Issue 12 item 11: a logout whose Lease was re-created by someone else in between answers
// Conflict on the UID precondition; that is done, not retried forever.
func TestLogoutOfAReplacedLeaseIsDone(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "replaced", nil)
	token := loginEventually(t, serviceA, grant)
	sess, ok := serviceA.svc.sessions.Lookup(session.HashToken(token))
	g.Expect(ok).To(BeTrue())

	key := client.ObjectKey{Namespace: ns, Name: serviceA.leaseNameOf(token)}
	lease := &coordinationv1.Lease{}
	g.Expect(k8s.Get(ctx, key, lease)).To(Succeed())
	g.Expect(k8s.Delete(ctx, lease)).To(Succeed())
	lease.ResourceVersion, lease.UID = "", ""
	g.Expect(k8s.Create(ctx, lease)).To(Succeed())

	g.Expect(serviceA.svc.sessions.Delete(ctx, sess)).To(Succeed())
	g.Expect(serviceA.svc.sessions.PendingDeletes()).To(BeZero())
	// The re-created Lease is someone else's object: left alone.
	g.Expect(k8s.Get(ctx, key, &coordinationv1.Lease{})).To(Succeed())
}

// Issue 12 item 5: live sessions per grant are capped (the oldest ends, with an event), and
// successful logins per grant are rate-limited.
func TestSessionsPerGrantAreCapped(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "many", nil)
	first := loginEventually(t, serviceA, grant)
	var tokens []string
	for range DefaultMaxSessionsPerGrant {
		clk.Step(time.Millisecond) // distinct login times: "oldest" is well defined
		token, _ := serviceA.login(t, grant.email, grant.password)
		tokens = append(tokens, token)
	}
	g.Expect(serviceA.review(t, first).Status.Authenticated).To(BeFalse(), "the oldest session ends")
	for _, token := range tokens {
		g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue())
	}
	g.Eventually(func() bool { return hasEvent(t, ns, grant.grant.Name, "SessionLimit") }, eventually, poll).Should(BeTrue())
	g.Eventually(func() int {
		leases := &coordinationv1.LeaseList{}
		_ = k8s.List(context.Background(), leases, client.InNamespace(ns))
		return len(leases.Items)
	}, eventually, poll).Should(Equal(DefaultMaxSessionsPerGrant))

	// 11 logins so far; the rest of the burst succeeds, then 429 with Retry-After.
	for range grantLoginBurst - 1 - DefaultMaxSessionsPerGrant {
		serviceA.login(t, grant.email, grant.password)
	}
	status, header, _ := serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": grant.email, "password": grant.password})
	g.Expect(status).To(Equal(http.StatusTooManyRequests))
	g.Expect(header.Get("Retry-After")).NotTo(BeEmpty())
	// Another grant is not affected.
	otherGrant := issueGrant(t, ns, "other", nil)
	loginEventually(t, serviceA, otherGrant)
}

// Issue 12 item 8: the account's maxGrantDuration caps a grant's window here too, the same way
// as in the controller and the webhook (policy.GrantCap): a grant admitted while the webhook was
// down, or before the policy was lowered, ends at the cap.
func TestAccountCapAppliesToTokenChecks(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "long", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: 48 * time.Hour}
	})
	token := loginEventually(t, serviceA, grant)
	p := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "policy"},
		Spec: supportaccessv1alpha1.AccountSessionPolicySpec{
			InactivityTimeout: "12h", MaxSessionLifetime: &metav1.Duration{Duration: 24 * time.Hour},
			MaxGrantDuration: &metav1.Duration{Duration: 2 * time.Hour},
		}}
	g.Expect(k8s.Create(context.Background(), p)).To(Succeed())
	g.Eventually(func() time.Duration {
		st, ok := serviceA.svc.index.grant(client.ObjectKeyFromObject(grant.grant))
		if !ok {
			return 0
		}
		return st.WindowEnd.Sub(st.WindowStart)
	}, eventually, poll).Should(Equal(2 * time.Hour))
	clk.SetTime(grant.grant.CreationTimestamp.Add(2*time.Hour - time.Second))
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue())
	clk.SetTime(grant.grant.CreationTimestamp.Add(2 * time.Hour))
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeFalse(), "valid past the account's maxGrantDuration")
}

// Found in review: the index verified a login email only when the grant changed. Removing the key
// an email was issued under must end its logins at once, and bringing the key back restore them.
func TestKeyringChangeReverifiesEmails(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	grant := issueGrant(t, newNamespace(t), "rotated", nil)
	loginEventually(t, serviceA, grant)

	other, err := keyring.GenerateKey(2)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ring.Update([]keyring.Key{other}, clk.Now())).To(Succeed())
	t.Cleanup(func() { _ = ring.Update([]keyring.Key{suiteKey}, clk.Now()) })
	status, _, _ := serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": grant.email, "password": grant.password})
	g.Expect(status).To(Equal(http.StatusUnauthorized), "a login email whose key was removed still logs in")

	g.Expect(ring.Update([]keyring.Key{suiteKey, other}, clk.Now())).To(Succeed())
	serviceA.login(t, grant.email, grant.password)
}
