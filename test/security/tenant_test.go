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
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

const (
	// victimNamespace is the account under attack; victimGrant its grant, made by the platform.
	victimNamespace = "victim"
	victimGrant     = "victim-grant"
	// attackerNamespace is the account whose admin attacks; tenantAdmin its ServiceAccount.
	attackerNamespace = "attacker"
	tenantAdmin       = "tenant-admin"
	// Client addresses (see e2esuite.ClientFrom): the victim's support staff log in from one, the
	// attacker from others; each failed-login budget (10 per address per 15 minutes) is the
	// attacker's own.
	victimAddress   = "127.0.0.4"
	attackerAddress = "127.0.0.2"
	// maxSessionsPerGrant is the manager's --max-sessions-per-grant default.
	maxSessionsPerGrant = 10
	// maxLoginsPerGrant successful logins per grant per 15 minutes; the next one is a 429.
	maxLoginsPerGrant = 30
)

// world is what every attack starts from: the tenant admin's kubectl, and the victim's support
// user, logged in.
type world struct {
	tenant kubeUser
	victim victim
}

// victim is the support user of the other account: its credentials, read by the platform admin,
// and a session opened before any attack, which must survive all of them.
type victim struct {
	email, password, token string
	client                 *http.Client
}

// username is the victim's name in kube-apiserver (docs/reference.md#kubernetes-user).
func (v victim) username() string { return "supportaccess:" + v.email }

// TestTenantAdminAttacks runs issue 12's attacks of items 1 to 5, in order, as the admin of one
// account against another. Each is followed by a check that the victim's support user still works.
func TestTenantAdminAttacks(t *testing.T) {
	w := setUp(t)
	t.Run("victim works before any attack", w.victimStillWorks)
	attacks := []struct {
		name string
		run  func(*testing.T, *world)
	}{
		{"item 1: log in as the other account's support user", crossTenantLogin},
		{"item 2: exhaust the manager's memory", memoryExhaustion},
		{"item 3: keep a killed session alive with a finalizer", finalizerKeepsSessionAlive},
		{"item 4: forge or replay a session Lease", forgedSession},
		{"item 5: open unbounded sessions", unboundedSessions},
		{"tenant admin is confined to its namespace", tenantConfinement},
		{"lift the operator's grant cap, or drop the finalizer", operatorLimit},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			began := time.Now()
			// Subtests, so that the victim is checked even when the attack succeeded.
			t.Run("attack fails", func(t *testing.T) { a.run(t, w) })
			t.Run("victim still works", w.victimStillWorks)
			t.Logf("took %s", time.Since(began).Round(100*time.Millisecond))
		})
	}
}

// setUp makes the two accounts: "attacker" with a ServiceAccount holding `*` on `*` there only,
// and "victim" with an Active grant made by the platform, whose support user logs in.
func setUp(t *testing.T) *world {
	t.Helper()
	ctx := t.Context()
	g := NewWithT(t)
	mustKubectl(ctx, g, admin(), `apiVersion: v1
kind: Namespace
metadata:
  name: `+victimNamespace+`
---
apiVersion: v1
kind: Namespace
metadata:
  name: `+attackerNamespace+`
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: `+tenantAdmin+`
  namespace: `+attackerNamespace+`
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: `+tenantAdmin+`
  namespace: `+attackerNamespace+`
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: `+tenantAdmin+`
  namespace: `+attackerNamespace+`
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: `+tenantAdmin+`
subjects:
- kind: ServiceAccount
  name: `+tenantAdmin+`
  namespace: `+attackerNamespace+`
`, "apply", "-f", "-")
	mustKubectl(ctx, g, admin(), grantManifest(victimNamespace, victimGrant), "apply", "-f", "-")

	// The tenant admin's kubeconfig: a token from the TokenRequest API, as a CI system or a
	// customer's automation would hold.
	token := strings.TrimSpace(mustKubectl(ctx, g, admin(), "", "create", "token", tenantAdmin, "-n", attackerNamespace, "--duration", "2h"))
	g.Expect(token).NotTo(BeEmpty(), "kubectl create token printed nothing")
	w := &world{tenant: kubeUser{name: "the tenant admin", kubeconfig: env.KubeconfigWithToken(t, token)}}
	info, r, ok := whoami(ctx, w.tenant)
	g.Expect(ok).To(BeTrue(), "kube-apiserver does not authenticate the tenant admin's ServiceAccount token\n%s", r)
	g.Expect(info.Username).To(Equal("system:serviceaccount:"+attackerNamespace+":"+tenantAdmin), "the tenant admin's kubeconfig is someone else's")

	g.Eventually(func(g Gomega) {
		g.Expect(mustKubectl(ctx, g, admin(), "", "get", "sag", victimGrant, "-n", victimNamespace, "-o", "jsonpath={.status.phase}")).To(Equal("Active"))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed(), "the victim's grant never became Active")
	secret := mustKubectl(ctx, g, admin(), "", "get", "sag", victimGrant, "-n", victimNamespace, "-o", "jsonpath={.status.secretName}")
	w.victim.email = secretValue(ctx, g, admin(), victimNamespace, secret, "email")
	w.victim.password = secretValue(ctx, g, admin(), victimNamespace, secret, "password")
	env.Secrets.RememberPassword("the victim's", w.victim.password)
	w.victim.client = e2esuite.ClientFrom(t, victimAddress)
	// The auth service learns of the credentials from its watch: poll (a few failures of the
	// victim's own budget at most).
	g.Eventually(func(g Gomega) {
		r := login(ctx, g, w.victim.client, "the victim's", w.victim.email, w.victim.password)
		g.Expect(r.Status).To(Equal(http.StatusOK), r.Body)
		w.victim.token = r.Token
	}).WithTimeout(eventually).WithPolling(250*time.Millisecond).Should(Succeed(), "the victim's support user cannot log in")
	// Its RoleBinding and the aggregated ClusterRole (kube-controller-manager) take a moment.
	g.Eventually(func(g Gomega) {
		mustKubectl(ctx, g, w.victimUser(), "", "get", "pods", "-n", victimNamespace)
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed(), "the victim's support user is never allowed to list pods in its account")
	return w
}

// victimUser is the victim's session, as kubectl --token.
func (w *world) victimUser() kubeUser {
	return supportUser("the victim's support user", w.victim.token)
}

// victimStillWorks checks that the victim's support user is unharmed: its session is valid with
// the auth service and kube-apiserver, under its own name and account, it may still read its
// account, and its credentials still log in (the cross-tenant claim of item 1 used to lock it out).
func (w *world) victimStillWorks(t *testing.T) {
	ctx := t.Context()
	g := NewWithT(t)
	user, group := w.victim.username(), "supportaccess.io:account:"+victimNamespace

	// The auth service first: nothing caches its answers.
	review, session := tokenUser(ctx, g, w.victim.token)
	g.Expect(review.Username).To(Equal(user), "TokenReview no longer answers the victim's session with the victim's user: the victim is locked out or impersonated")
	g.Expect(review.Groups).To(ContainElement(group), "the victim's session lost its account group")
	g.Expect(session).To(Equal(user), "GET /v1/session no longer answers the victim's session with the victim's user")

	info, r, ok := whoami(ctx, w.victimUser())
	g.Expect(ok).To(BeTrue(), "kube-apiserver no longer authenticates the victim's session\n%s", r)
	g.Expect(info.Username).To(Equal(user), "kube-apiserver sees the victim's session as someone else")
	g.Expect(info.Groups).To(ContainElement(group), "kube-apiserver no longer puts the victim's session in its account")
	mustKubectl(ctx, g, w.victimUser(), "", "get", "pods", "-n", victimNamespace)

	fresh := login(ctx, g, w.victim.client, "the victim's", w.victim.email, w.victim.password)
	g.Expect(fresh.Status).To(Equal(http.StatusOK), "the victim's own credentials no longer log in (locked out by the attack): %s", fresh.Body)
	g.Expect(fresh.Account).To(Equal(victimNamespace), "the victim's login landed in another account")
	g.Expect(fresh.Grant).To(Equal(victimGrant), "the victim's login landed on another grant")
	review, _ = tokenUser(ctx, g, fresh.Token)
	g.Expect(review.Username).To(Equal(user), "a fresh login with the victim's credentials is someone else")
	// Logged out again, so that these checks never reach the victim's session cap.
	logout(ctx, g, fresh.Token)
}

// tenantGrant is one of the attacker's own grants, as its admin sees it.
type tenantGrant struct {
	name, uid, secret, email, password string
}

// username is the grant's support user in kube-apiserver.
func (a tenantGrant) username() string { return "supportaccess:" + a.email }

// createTenantGrant makes a grant in the attacker's namespace as the tenant admin, waits until it
// is Active, and reads its credentials, as the tenant admin may.
func (w *world) createTenantGrant(t *testing.T, g Gomega, name string) tenantGrant {
	t.Helper()
	ctx := t.Context()
	mustKubectl(ctx, g, w.tenant, grantManifest(attackerNamespace, name), "apply", "-f", "-")
	get := func(g Gomega, path string) string {
		return mustKubectl(ctx, g, w.tenant, "", "get", "sag", name, "-n", attackerNamespace, "-o", "jsonpath={"+path+"}")
	}
	g.Eventually(func(g Gomega) string { return get(g, ".status.phase") }).
		WithTimeout(eventually).WithPolling(poll).Should(Equal("Active"), "the attacker's grant %s never became Active", name)
	a := tenantGrant{name: name, uid: get(g, ".metadata.uid"), secret: get(g, ".status.secretName")}
	a.email = secretValue(ctx, g, w.tenant, attackerNamespace, a.secret, "email")
	a.password = secretValue(ctx, g, w.tenant, attackerNamespace, a.secret, "password")
	env.Secrets.RememberPassword("the attacker's "+name, a.password)
	return a
}

// loginAs logs in to the attacker's own grant, polling until the auth service knows its
// credentials (its watch may lag the grant's status by a moment).
func (w *world) loginAs(t *testing.T, g Gomega, client *http.Client, a tenantGrant) string {
	t.Helper()
	var token string
	g.Eventually(func(g Gomega) {
		r := login(t.Context(), g, client, "the attacker's "+a.name, a.email, a.password)
		g.Expect(r.Status).To(Equal(http.StatusOK), r.Body)
		token = r.Token
	}).WithTimeout(eventually).WithPolling(250*time.Millisecond).Should(Succeed(), "the attacker cannot log in to its own grant %s", a.name)
	return token
}

// grantManifest is a one-hour Limited grant.
func grantManifest(namespace, name string) string {
	return `apiVersion: supportaccess.io/v1alpha1
kind: SupportAccessGrant
metadata:
  name: ` + name + `
  namespace: ` + namespace + `
spec:
  accessLevel: Limited
  duration: 1h
  reason: security suite
`
}

// tenantConfinement checks the setup itself: the tenant admin holds everything in its own
// namespace and nothing in the victim's or the operator's, whose keyring it can neither read nor
// touch.
func tenantConfinement(t *testing.T, w *world) {
	ctx := t.Context()
	g := NewWithT(t)
	g.Expect(strings.TrimSpace(mustKubectl(ctx, g, w.tenant, "", "auth", "can-i", "*", "*", "-n", attackerNamespace))).
		To(Equal("yes"), "the tenant admin does not hold `*` on `*` in its own namespace: the attacks prove less than they claim")
	mustKubectl(ctx, g, admin(), "", "get", "secret", keyringSecret, "-n", operatorNamespace)

	keyring := func(verb string, extra ...string) []string {
		return append([]string{verb, "secret", keyringSecret, "-n", operatorNamespace}, extra...)
	}
	for _, args := range [][]string{
		keyring("get"),
		keyring("delete"),
		keyring("patch", "--type=merge", "-p", `{"data":{"key-1":"QUFBQQ=="}}`),
		keyring("annotate", "x=y"),
		{"get", "secrets", "-n", operatorNamespace},
		{"get", "sag", "-n", victimNamespace},
		{"get", "secrets", "-n", victimNamespace},
		{"get", "leases", "-n", victimNamespace},
		{"get", "rolebindings", "-n", victimNamespace},
		{"get", "events", "-n", victimNamespace},
		{"patch", "sag", victimGrant, "-n", victimNamespace, "--subresource=status", "--type=merge", "-p", `{"status":{"loginEmail":"x@support.test"}}`},
		{"create", "rolebinding", "escalate", "-n", victimNamespace, "--clusterrole=admin", "--serviceaccount=" + attackerNamespace + ":" + tenantAdmin},
	} {
		expectForbidden(ctx, g, w.tenant, args...)
	}
}

// removeFinalizers clears a Lease's finalizers as the tenant admin, outside the test's context
// (cleanups run after it is cancelled); a Lease already gone is fine.
func (w *world) removeFinalizers(t *testing.T, name string) {
	r := kubectl(context.Background(), w.tenant, "", "patch", "lease", name, "-n", attackerNamespace, "--type=merge", "-p", `{"metadata":{"finalizers":null}}`)
	if r.Err != nil && !strings.Contains(r.Stderr, "NotFound") {
		t.Errorf("remove the finalizer of Lease %s: %s", name, r)
	}
}
