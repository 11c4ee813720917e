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

package console

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// RBAC decides every action (docs/console.md): three users against the real kube-apiserver, in both
// modes. The account's admin may do everything; its read-only user sees the page with every
// button disabled and the reason, never a password; an admin of another account gets an error
// page. Refusals are kube-apiserver's, shown as the page's error with its status code.

// rbacAccount is account A of the test: an Active grant with a session, one to revoke, and a
// revoked one (history) to delete.
type rbacAccount struct {
	ns               string
	active, toRevoke issued
	revoked          *supportaccessv1alpha1.SupportAccessGrant
	lease            *coordinationv1.Lease
	passwords        []string
}

func newRBACAccount(t *testing.T, ns string) *rbacAccount {
	a := &rbacAccount{ns: ns}
	a.active = activeGrant(t, ns, "active", nil)
	a.toRevoke = activeGrant(t, ns, "to-revoke", func(g *supportaccessv1alpha1.SupportAccessGrant) {
		g.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	})
	old := activeGrant(t, ns, "old", nil)
	patchGrant(t, ns, "old", `{"revoked":true}`)
	a.revoked = waitForPhase(t, ns, "old", supportaccessv1alpha1.GrantPhaseRevoked)
	a.lease = sessionLease(t, ns, "active", "session-a1")
	a.passwords = []string{a.active.password, a.toRevoke.password, old.password}
	return a
}

// rbacAction is one button of the page.
type rbacAction struct {
	name string
	send func(b *browser, a *rbacAccount) response
	// outcome is the ?done= of the redirect when allowed.
	outcome string
	// happened reports whether the action took effect, read as the admin.
	happened func(g Gomega, a *rbacAccount) bool
}

var rbacActions = []rbacAction{
	{
		name: "generate",
		send: func(b *browser, a *rbacAccount) response {
			return b.post("/accounts/"+a.ns+"/grants", url.Values{"access": {"Limited"}, "duration": {"24h"}, "reason": {"RBAC test"}})
		},
		outcome: "generated",
		happened: func(g Gomega, a *rbacAccount) bool {
			for _, name := range grantNames(g, a.ns) {
				if strings.HasPrefix(name, grantNamePrefix) {
					return true
				}
			}
			return false
		},
	},
	{
		name: "renew",
		send: func(b *browser, a *rbacAccount) response {
			return b.post("/accounts/"+a.ns+"/grants/active/renew", nil)
		},
		outcome: "renewed",
		happened: func(g Gomega, a *rbacAccount) bool {
			return getGrant(g, a.ns, "active").Spec.RenewedAt != nil
		},
	},
	{
		name: "revoke",
		send: func(b *browser, a *rbacAccount) response {
			return b.post("/accounts/"+a.ns+"/grants/to-revoke/revoke", url.Values{"confirmed": {"yes"}})
		},
		outcome:  "revoked",
		happened: func(g Gomega, a *rbacAccount) bool { return getGrant(g, a.ns, "to-revoke").Spec.Revoked },
	},
	{
		name: "delete",
		send: func(b *browser, a *rbacAccount) response {
			return b.post("/accounts/"+a.ns+"/grants/old/delete", url.Values{"uid": {string(a.revoked.UID)}})
		},
		outcome: "deleted",
		happened: func(g Gomega, a *rbacAccount) bool {
			grant := &supportaccessv1alpha1.SupportAccessGrant{}
			err := k8s.Get(context.Background(), types.NamespacedName{Namespace: a.ns, Name: "old"}, grant)
			if apierrors.IsNotFound(err) {
				return true
			}
			g.Expect(err).NotTo(HaveOccurred())
			return grant.DeletionTimestamp != nil
		},
	},
	{
		name: "end session",
		send: func(b *browser, a *rbacAccount) response {
			return b.post("/accounts/"+a.ns+"/sessions/session-a1/end", url.Values{"uid": {string(a.lease.UID)}})
		},
		outcome: "ended",
		happened: func(g Gomega, a *rbacAccount) bool {
			err := k8s.Get(context.Background(), types.NamespacedName{Namespace: a.ns, Name: "session-a1"}, &coordinationv1.Lease{})
			if apierrors.IsNotFound(err) {
				return true
			}
			g.Expect(err).NotTo(HaveOccurred())
			return false
		},
	},
	{
		name: "save policy",
		send: func(b *browser, a *rbacAccount) response {
			return b.post("/accounts/"+a.ns+"/policy", url.Values{"inactivityTimeout": {"1h"}})
		},
		outcome: "policy",
		happened: func(g Gomega, a *rbacAccount) bool {
			list := &supportaccessv1alpha1.AccountSessionPolicyList{}
			g.Expect(k8s.List(context.Background(), list, client.InNamespace(a.ns))).To(Succeed())
			return len(list.Items) == 1 && list.Items[0].Spec.InactivityTimeout == supportaccessv1alpha1.InactivityTimeout1h
		},
	},
}

func TestRBACDecidesEveryAction(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			nsA, nsB := newAccount(t), newAccount(t)
			admin := newUser(t, m, nsA, roleAdmin)
			reader := newUser(t, m, nsA, roleReadOnly)
			other := newUser(t, m, nsB, roleAdmin)
			a := newRBACAccount(t, nsA)

			// The refused first, so that what they try is still there to try.
			t.Run("another account's admin", func(t *testing.T) {
				b := open(t, m, other)
				checkOtherAccountsPage(t, b, a, other)
				for _, act := range rbacActions {
					checkRefused(t, b, a, act, other, false)
				}
				checkNeverShown(t, b, a)
			})
			t.Run("read-only user", func(t *testing.T) {
				b := open(t, m, reader)
				checkReadOnlyPage(t, b, a, reader)
				for _, act := range rbacActions {
					checkRefused(t, b, a, act, reader, true)
				}
				checkNeverShown(t, b, a)
				checkNeverAskedForSecrets(t, b)
			})
			t.Run("admin", func(t *testing.T) {
				b := open(t, m, admin)
				checkAdminPage(t, b, a, admin)
				for _, act := range rbacActions {
					checkAllowed(t, b, a, act)
				}
				checkAPIErrorsShown(t, b, a)
				checkBadFormsRefused(t, b, a)
			})
		})
	}
}

// checkRefused sends act as u and expects kube-apiserver's refusal: on the account's page (a
// user who may read it) or on an error page, with the API's 403, and nothing changed.
func checkRefused(t *testing.T, b *browser, a *rbacAccount, act rbacAction, u *user, onThePage bool) {
	t.Helper()
	g := NewWithT(t)
	r := act.send(b, a)
	g.Expect(r.code).To(Equal(http.StatusForbidden), "%s: %s", act.name, r.body)
	g.Expect(r.body).To(ContainSubstring(html.EscapeString(`is forbidden: User "`+u.name+`" cannot`)), "%s: the API's own words", act.name)
	if onThePage {
		g.Expect(r.body).To(MatchRegexp(`<p class="error" role="alert">[^<]*is forbidden`), "%s: the page's error", act.name)
		g.Expect(r.body).To(ContainSubstring(`id="generate-title"`), "%s: on the account's page", act.name)
	} else {
		g.Expect(r.body).To(ContainSubstring("Cannot open account " + a.ns))
	}
	g.Expect(act.happened(g, a)).To(BeFalse(), "%s was refused: nothing may have changed", act.name)
}

// checkAllowed sends act as the admin: a redirect to the page with the outcome, and it happened.
func checkAllowed(t *testing.T, b *browser, a *rbacAccount, act rbacAction) {
	t.Helper()
	g := NewWithT(t)
	r := act.send(b, a)
	g.Expect(r.code).To(Equal(http.StatusSeeOther), "%s: %s", act.name, r.body)
	g.Expect(r.location()).To(HavePrefix("/accounts/"+a.ns+"?done="+act.outcome), act.name)
	g.Eventually(func(g Gomega) bool { return act.happened(g, a) }, eventually, poll).Should(BeTrue(), act.name)
	page := b.get(r.location())
	g.Expect(page.code).To(Equal(http.StatusOK), act.name)
	g.Expect(page.body).To(ContainSubstring(`<p class="notice" role="status">`), "%s: the outcome is shown", act.name)
}

func checkAdminPage(t *testing.T, b *browser, a *rbacAccount, admin *user) {
	t.Helper()
	g := NewWithT(t)
	r := b.get("/accounts/" + a.ns)
	g.Expect(r.code).To(Equal(http.StatusOK), r.body)
	g.Expect(r.body).To(ContainSubstring("acting as <strong>" + admin.name + "</strong>"))
	g.Expect(r.body).To(ContainSubstring(a.active.password), "the admin may read the Secret: the password is shown")
	g.Expect(r.body).To(ContainSubstring(a.active.email))
	g.Expect(r.body).To(ContainSubstring(a.toRevoke.password))
	for _, id := range []string{"generate", "renew_active", "revoke_active", "copy-button_active", "end_session-a1", "delete_old"} {
		g.Expect(button(g, r.body, id)).NotTo(ContainSubstring("disabled"), id)
	}
	g.Expect(r.body).To(ContainSubstring(`id="edit-timeout" href=`))
	g.Expect(b.get("/accounts/" + a.ns + "?edit=timeout").body).To(ContainSubstring(`id="save-timeout"`))
}

func checkReadOnlyPage(t *testing.T, b *browser, a *rbacAccount, reader *user) {
	t.Helper()
	g := NewWithT(t)
	r := b.get("/accounts/" + a.ns)
	g.Expect(r.code).To(Equal(http.StatusOK), r.body)
	g.Expect(r.body).To(ContainSubstring("acting as <strong>" + reader.name + "</strong>"))
	g.Expect(r.body).To(ContainSubstring(a.active.email), "the login email is in the grant's status, which the user may read")
	cannot := func(verb, what string) string {
		return "your Kubernetes permissions do not allow " + verb + " on " + what + " in namespace " + a.ns
	}
	for _, tc := range []struct{ id, reason string }{
		{"generate", "Not allowed: " + cannot("create", "supportaccessgrants.supportaccess.io")},
		{"renew_active", "Renew is not allowed: " + cannot("patch", "supportaccessgrants.supportaccess.io")},
		{"revoke_active", "Revoke is not allowed: " + cannot("patch", "supportaccessgrants.supportaccess.io")},
		{"copy-button_active", "The password is not shown: " + cannot("get", "secrets "+a.active.grant.Status.SecretName)},
		{"edit-timeout", "Editing is not allowed: " + cannot("create", "accountsessionpolicies.supportaccess.io")},
		{"delete_old", "Delete is not allowed: " + cannot("delete", "supportaccessgrants.supportaccess.io")},
	} {
		g.Expect(button(g, r.body, tc.id)).To(ContainSubstring("disabled"), tc.id)
		g.Expect(r.body).To(ContainSubstring(html.EscapeString(tc.reason)), tc.id)
	}
	g.Expect(r.body).To(ContainSubstring("the sessions cannot be read"), "leases are not readable: said, not hidden")
	g.Expect(b.get("/accounts/" + a.ns + "?edit=timeout").body).NotTo(ContainSubstring(`id="save-timeout"`))

	s := b.live(a.ns)
	g.Expect(s.code).To(Equal(http.StatusOK))
	u := s.next(t, eventually).update(t)
	g.Expect(button(g, u.Grants, "revoke_active")).To(ContainSubstring("disabled"))
}

func checkOtherAccountsPage(t *testing.T, b *browser, a *rbacAccount, other *user) {
	t.Helper()
	g := NewWithT(t)
	r := b.get("/accounts/" + a.ns)
	g.Expect(r.code).To(Equal(http.StatusForbidden), r.body)
	g.Expect(r.body).To(ContainSubstring("Cannot open account " + a.ns))
	g.Expect(r.body).To(ContainSubstring(html.EscapeString(`User "` + other.name + `" cannot list resource "supportaccessgrants"`)))
	g.Expect(b.live(a.ns).code).To(Equal(http.StatusForbidden), "no live view of an account the user cannot read")
}

// checkNeverShown: no answer to b ever held a password, streams included.
func checkNeverShown(t *testing.T, b *browser, a *rbacAccount) {
	t.Helper()
	g := NewWithT(t)
	seen := b.everything()
	g.Expect(seen).NotTo(BeEmpty())
	for _, p := range a.passwords {
		g.Expect(seen).NotTo(ContainSubstring(p), "a password in an answer to a user who may not read the Secret")
	}
}

// checkNeverAskedForSecrets: the console asks kube-apiserver (a SelfSubjectAccessReview) before
// it reads a Secret, and does not try what RBAC refuses.
func checkNeverAskedForSecrets(t *testing.T, b *browser) {
	t.Helper()
	for _, ev := range consoleAudit(t, b.s.userAgent) {
		if ev.ObjectRef != nil && ev.ObjectRef.Resource == "secrets" {
			t.Errorf("the console tried to read a Secret the user may not read: %s", ev)
		}
	}
}

// checkAPIErrorsShown: refusals other than RBAC's keep the API's status code too.
func checkAPIErrorsShown(t *testing.T, b *browser, a *rbacAccount) {
	t.Helper()
	g := NewWithT(t)
	stale := b.post("/accounts/"+a.ns+"/grants/to-revoke/delete", url.Values{"uid": {"not-its-uid"}})
	g.Expect(stale.code).To(Equal(http.StatusConflict), stale.body)
	g.Expect(stale.body).To(MatchRegexp(`<p class="error" role="alert">[^<]*the UID in the precondition`))
	g.Expect(getGrant(g, a.ns, "to-revoke").DeletionTimestamp).To(BeNil())

	revoked := b.post("/accounts/"+a.ns+"/grants/to-revoke/renew", nil)
	g.Expect(revoked.code).To(Equal(http.StatusConflict), revoked.body)
	g.Expect(revoked.body).To(ContainSubstring("is revoked and cannot be renewed"))
	g.Expect(getGrant(g, a.ns, "to-revoke").Spec.RenewedAt).To(BeNil())

	missing := b.post("/accounts/"+a.ns+"/grants/no-such-grant/renew", nil)
	g.Expect(missing.code).To(Equal(http.StatusNotFound), missing.body)
	g.Expect(missing.body).To(ContainSubstring(html.EscapeString(`grant "no-such-grant" not found in namespace "` + a.ns + `"`)))
}

// checkBadFormsRefused: what the page's forms cannot send is refused before kube-apiserver, on
// the page, and creates nothing.
func checkBadFormsRefused(t *testing.T, b *browser, a *rbacAccount) {
	t.Helper()
	g := NewWithT(t)
	before := grantNames(g, a.ns)
	for _, tc := range []struct {
		path string
		form url.Values
		want string
	}{
		{"/grants", url.Values{"access": {"Everything"}, "duration": {"1h"}}, "Choose Limited or Full access."},
		{"/grants", url.Values{"duration": {"1h"}}, "Choose Limited or Full access."},
		{"/grants", url.Values{"access": {"Full"}, "duration": {"5h"}}, "Choose one of the validity periods offered."},
		{"/grants", url.Values{"access": {"Full"}, "duration": {"1h"}, "reason": {strings.Repeat("é", maxReasonChars+1)}}, "The reason is too long"},
		{"/policy", url.Values{"inactivityTimeout": {"45m"}}, "Choose one of the session timeouts offered."},
	} {
		r := b.post("/accounts/"+a.ns+tc.path, tc.form)
		g.Expect(r.code).To(Equal(http.StatusBadRequest), tc.want)
		g.Expect(r.body).To(ContainSubstring(`<p class="error" role="alert">`+tc.want), tc.want)
	}
	g.Expect(grantNames(g, a.ns)).To(ConsistOf(before))
	tooBig := b.post("/accounts/"+a.ns+"/grants", url.Values{"access": {"Full"}, "duration": {"1h"}, "reason": {strings.Repeat("x", maxFormBytes)}})
	g.Expect(tooBig.code).To(Equal(http.StatusBadRequest))
	g.Expect(grantNames(g, a.ns)).To(ConsistOf(before))
}
