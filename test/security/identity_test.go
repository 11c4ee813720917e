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
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

// crossTenantLogin is item 1. A login email is not secret (events and printer columns show it),
// and the tenant admin can write its own grant's status and Secret: it writes the victim's email
// into both and logs in with that email and its own password. Before the fix the token's user was
// supportaccess:<victim's email>, which the victim's RoleBinding binds in the victim's namespace,
// and the victim's own logins failed. Now an email counts only where it verifies for the grant's
// UID under the operator's key: the claim is refused, and the controller reissues the attacker's
// credentials.
func crossTenantLogin(t *testing.T, w *world) {
	ctx := t.Context()
	g := NewWithT(t)
	a := w.createTenantGrant(t, g, "attacker-claim")
	claim := fmt.Sprintf(`{"status":{"loginEmail":%q}}`, w.victim.email)
	mustKubectl(ctx, g, w.tenant, "", "patch", "sag", a.name, "-n", attackerNamespace, "--subresource=status", "--type=merge", "-p", claim)
	// Touch the grant, so that any cache keyed on the last event (the old "ambiguous" flag) is
	// rebuilt from a snapshot that only says "this grant has the victim's email".
	mustKubectl(ctx, g, w.tenant, "", "patch", "sag", a.name, "-n", attackerNamespace, "--type=merge", "-p", `{"spec":{"reason":"touched by the attacker"}}`)
	mustKubectl(ctx, g, w.tenant, "", "patch", "sag", a.name, "-n", attackerNamespace, "--subresource=status", "--type=merge", "-p", claim)

	// Each attempt from an address of its own: the failures are the point, and each address may
	// fail 10 times in 15 minutes.
	for i, attempt := range []struct {
		name, email, password string
	}{
		{"the victim's email with the attacker's password", w.victim.email, a.password},
		{"the attacker's own email, which its grant's status no longer names", a.email, a.password},
	} {
		client := e2esuite.ClientFrom(t, fmt.Sprintf("127.0.0.%d", 10+i))
		g.Consistently(func(g Gomega) {
			expectLoginRefused(ctx, g, w, client, attempt.email, attempt.password, attempt.name)
		}).WithTimeout(staysRefused).WithPolling(time.Second).Should(Succeed())
	}
	// Right after the claim is when the victim used to be locked out.
	t.Run("victim works right after the claim", w.victimStillWorks)

	// The controller replaced the claimed email with fresh credentials of the attacker's own, and
	// said so with a warning.
	var reissued string
	g.Eventually(func(g Gomega) {
		reissued = mustKubectl(ctx, g, w.tenant, "", "get", "sag", a.name, "-n", attackerNamespace, "-o", "jsonpath={.status.loginEmail}")
		g.Expect(reissued).NotTo(Or(BeEmpty(), Equal(w.victim.email), Equal(a.email)))
		g.Expect(secretValue(ctx, g, w.tenant, attackerNamespace, a.secret, "email")).To(Equal(reissued))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed(),
		"the controller kept the claimed email (or none) in the attacker's grant instead of issuing fresh credentials")
	g.Eventually(func(g Gomega) []event {
		return eventsAbout(ctx, g, w.tenant, attackerNamespace, a.name, "CredentialsReissued")
	}).WithTimeout(eventually).WithPolling(poll).Should(ContainElement(HaveField("Type", "Warning")),
		"no CredentialsReissued warning on the attacker's grant: the account admin is not told that its grant's status was tampered with")

	// The attacker's fresh credentials are its own identity, nothing more.
	fresh := a
	fresh.email = reissued
	fresh.password = secretValue(ctx, g, w.tenant, attackerNamespace, a.secret, "password")
	env.Secrets.RememberPassword("the attacker's reissued "+a.name, fresh.password)
	token := w.loginAs(t, g, e2esuite.ClientFrom(t, "127.0.0.12"), fresh)
	expectNotVictim(ctx, g, w, token, fresh.username())

	// The Secret is the tenant's to write too: the victim's email planted there claims nothing,
	// and the controller restores the Secret.
	mustKubectl(ctx, g, w.tenant, "", "patch", "secret", a.secret, "-n", attackerNamespace, "--type=merge",
		"-p", fmt.Sprintf(`{"stringData":{"email":%q}}`, w.victim.email))
	planted := e2esuite.ClientFrom(t, "127.0.0.13")
	g.Consistently(func(g Gomega) {
		expectLoginRefused(ctx, g, w, planted, w.victim.email, fresh.password, "the victim's email planted in the attacker's Secret, with the attacker's password")
	}).WithTimeout(staysRefused).WithPolling(time.Second).Should(Succeed())
	g.Eventually(func(g Gomega) string {
		return secretValue(ctx, g, w.tenant, attackerNamespace, a.secret, "email")
	}).WithTimeout(eventually).WithPolling(poll).Should(Equal(reissued), "the controller left the planted email in the attacker's Secret")
}

// expectLoginRefused expects a login to be answered 401. Should it succeed, what the token can do
// is checked too, so that a failure says how bad it is.
func expectLoginRefused(ctx context.Context, g Gomega, w *world, client *http.Client, email, password, what string) {
	r := login(ctx, g, client, "the attacker's", email, password)
	if r.Status == http.StatusOK {
		review, _ := tokenUser(ctx, g, r.Token)
		info, _, _ := whoami(ctx, supportUser("the attacker's claimed session", r.Token))
		listed := kubectl(ctx, supportUser("the attacker's claimed session", r.Token), "", "get", "pods", "-n", victimNamespace).Err == nil
		g.Expect(r.Status).To(Equal(http.StatusUnauthorized),
			"the attacker logged in with %s: the token is %q to the auth service and %q to kube-apiserver (the victim is %q); listing pods in the victim's namespace allowed: %t",
			what, review.Username, info.Username, w.victim.username(), listed)
	}
	g.Expect(r.Status).To(Equal(http.StatusUnauthorized), "login with %s: want 401: %s", what, r.Body)
}

// expectNotVictim checks a token the attacker holds: it is user, never the victim, and never
// allowed in the victim's namespace.
func expectNotVictim(ctx context.Context, g Gomega, w *world, token, user string) {
	review, _ := tokenUser(ctx, g, token)
	g.ExpectWithOffset(1, review.Username).To(Equal(user), "the attacker's session is not its own user")
	g.ExpectWithOffset(1, review.Groups).NotTo(ContainElement("supportaccess.io:account:"+victimNamespace), "the attacker's session is in the victim's account")
	u := supportUser("the attacker's session", token)
	info, r, ok := whoami(ctx, u)
	g.ExpectWithOffset(1, ok).To(BeTrue(), "kube-apiserver does not authenticate the attacker's own session\n%s", r)
	g.ExpectWithOffset(1, info.Username).NotTo(Equal(w.victim.username()), "kube-apiserver sees the attacker's session as the victim")
	g.ExpectWithOffset(1, info.Username).To(Equal(user), "kube-apiserver sees the attacker's session as someone else")
	expectForbidden(ctx, g, u, "get", "pods", "-n", victimNamespace)
}
