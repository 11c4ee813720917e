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

package browser

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
)

const (
	// revokeBudget is how long after `kubectl patch` returns a revoked grant's browser may still
	// show a page of the app: the "within 1 s".
	revokeBudget = time.Second
	// quietFor is how long the /poll tab polls while its session's Lease must not move: more than
	// the activity flush interval, min(inactivityTimeout/10, 30s) = 30 s for the default 30m, so
	// that one poll counted as activity would have been written.
	quietFor = 40 * time.Second
	// flushedWithin bounds how long a navigation's activity takes to reach the Lease once the
	// flush interval has passed: the flusher's tick (1 s) and one API write, generously.
	flushedWithin = 35 * time.Second
)

// TestRevokeEndsBrowserSession: the platform admin revokes the grant with kubectl; the very next
// navigations land, within a second of kubectl returning, on the login page saying the access has
// ended, and the credentials no longer log in.
func TestRevokeEndsBrowserSession(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ctx := t.Context()
	gr := newGrant(t, accountA, "revoked-in-browser", "Limited")
	b := newTab(t)
	expectAppPage(g, b.openAndLogIn(g, web.caddyA()+"/dashboard", gr), hostOf(g, web.caddyA()), "Dashboard", gr)

	gr.revoke(ctx, g)
	returned := time.Now()
	var p page
	navigations := 0
	g.Eventually(func(g Gomega) {
		navigations++
		p = b.open(g, web.caddyA()+"/dashboard")
		g.Expect(p.Notice).To(ContainSubstring(accessEndedNotice), "after the revocation, %+v", p)
	}).WithTimeout(revokeBudget).WithPolling(10 * time.Millisecond).Should(Succeed())
	took := time.Since(returned)
	t.Logf("the access-ended page came %s after kubectl returned, on navigation %d", took.Round(time.Millisecond), navigations)
	g.Expect(took).To(BeNumerically("<=", revokeBudget), "the revoked session's browser reached the access-ended page too late")
	g.Expect(p.onLoginPage()).To(BeTrue(), "the access-ended page is the login page: %+v", p)
	g.Expect(p.query().Get("reason")).To(Equal("ended"))
	g.Expect(p.ReturnTo).To(Equal("/dashboard"), "the login page would return to the page the user was on")

	p = b.logIn(g, gr)
	g.Expect(p.Status).To(BeEquivalentTo(http.StatusUnauthorized), "a login with a revoked grant's credentials")
	g.Expect(p.onLoginPage()).To(BeTrue())
	g.Expect(p.Error).To(Equal(genericLoginFailed), "one message whatever was wrong")
}

// TestLeaseDeletionEndsBrowserSession: an admin deletes the session's Lease ("kill session"); the
// next navigation is on the login page, and, the grant being still good, logging in again brings
// the user back where they were.
func TestLeaseDeletionEndsBrowserSession(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ctx := t.Context()
	gr := newGrant(t, accountA, "lease-deleted", "Limited")
	b := newTab(t)
	host := hostOf(g, web.caddyA())
	expectAppPage(g, b.openAndLogIn(g, web.caddyA()+"/settings", gr), host, "Settings", gr)

	gr.deleteSessions(ctx, g)
	returned := time.Now()
	var p page
	navigations := 0
	g.Eventually(func(g Gomega) {
		navigations++
		p = b.open(g, web.caddyA()+"/settings")
		g.Expect(p.onLoginPage()).To(BeTrue(), "after the Lease's deletion, %+v", p)
	}).WithTimeout(refusedAtOnce).WithPolling(10 * time.Millisecond).Should(Succeed())
	t.Logf("the login page came %s after kubectl returned, on navigation %d", time.Since(returned).Round(time.Millisecond), navigations)
	g.Expect(p.ReturnTo).To(Equal("/settings"))
	g.Expect(p.Notice).NotTo(ContainSubstring(accessEndedNotice), "the grant has not ended, only the session")

	expectAppPage(g, b.logIn(g, gr), host, "Settings", gr)
}

// TestLogoutEverywhere: the app's logout button ends the session: the cookie is gone from the
// browser, the token is refused by the other replica too (and by the one that logged it out), and
// a copy of the cookie put back opens nothing.
func TestLogoutEverywhere(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ctx := t.Context()
	gr := newGrant(t, accountA, "logout", "Limited")
	b := newTab(t)
	expectAppPage(g, b.openAndLogIn(g, web.caddyA()+"/dashboard", gr), hostOf(g, web.caddyA()), "Dashboard", gr)
	token := b.sessionToken(g, web.caddyA())
	one, two := replicas()[0], replicas()[1]

	// Before: replica 2, which did not see the login, knows the session (from its Lease).
	g.Eventually(func(g Gomega) {
		status, _ := forwardAuth(ctx, g, two, accountA, "/dashboard", token)
		g.Expect(status).To(Equal(http.StatusOK))
	}).WithTimeout(refusedAtOnce).WithPolling(poll).Should(Succeed(), "the other replica should accept the session before the logout")

	p := b.click(g, "#logout button")
	g.Expect(p.onLoginPage()).To(BeTrue(), "after the logout: the login page, got %+v", p)
	g.Expect(p.Notice).To(Equal(loggedOutNotice))
	_, kept := b.sessionCookie(g, web.caddyA())
	g.Expect(kept).To(BeFalse(), "the browser still holds the session cookie after the logout")

	loggedOut := time.Now()
	g.Eventually(func(g Gomega) {
		status, _ := forwardAuth(ctx, g, two, accountA, "/dashboard", token)
		g.Expect(status).To(Equal(http.StatusUnauthorized))
	}).WithTimeout(refusedAtOnce).WithPolling(10*time.Millisecond).Should(Succeed(), "the other replica still accepts the logged-out session")
	t.Logf("the other replica refused the logged-out token %s after the logout page loaded", time.Since(loggedOut).Round(time.Millisecond))
	status, header := forwardAuth(ctx, g, one, accountA, "/dashboard", token)
	g.Expect(status).To(Equal(http.StatusFound), "replica 1 sends the logged-out browser to the login page")
	g.Expect(header.Get("Location")).To(HavePrefix("/.supportaccess/login?"))
	for _, r := range replicas() {
		g.Expect(tokenReview(ctx, g, r, token).Authenticated).To(BeFalse(), "/tokenreview on %s", r.name)
	}

	b.setSessionCookie(g, web.caddyA(), token)
	p = b.open(g, web.caddyA()+"/dashboard")
	g.Expect(p.onLoginPage()).To(BeTrue(), "a copy of the logged-out cookie, put back, should open nothing: %+v", p)
}

// TestBrowserSessionIsNoAPICredential: the app behind the gateway sees the cookie, so the token in
// it must not work on kube-apiserver (docs/gateways.md#browser-sessions-are-not-api-credentials):
// replayed there it gets 401, /tokenreview says not authenticated on both replicas, and as a Bearer
// header it is refused. An API session of the same grant, the contrast, is a credential.
func TestBrowserSessionIsNoAPICredential(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ctx := t.Context()
	gr := newGrant(t, accountA, "cookie-replay", "Full")
	b := newTab(t)
	expectAppPage(g, b.openAndLogIn(g, web.caddyA()+"/dashboard", gr), hostOf(g, web.caddyA()), "Dashboard", gr)
	token := b.sessionToken(g, web.caddyA())
	pods := "/api/v1/namespaces/" + accountA + "/pods"

	g.Expect(apiServerStatus(ctx, g, token, pods)).To(Equal(http.StatusUnauthorized), "kube-apiserver accepts a browser session's token")
	for _, r := range replicas() {
		g.Expect(tokenReview(ctx, g, r, token).Authenticated).To(BeFalse(), "/tokenreview on %s accepts a browser session", r.name)
		g.Expect(bearerForwardAuth(ctx, g, r, accountA, "/dashboard", token)).To(Equal(http.StatusUnauthorized),
			"forward auth on %s accepts a browser session as a Bearer token", r.name)
	}
	// The session itself is fine: the browser still gets in.
	expectAppPage(g, b.open(g, web.caddyA()+"/dashboard"), hostOf(g, web.caddyA()), "Dashboard", gr)

	apiToken := apiLogin(ctx, g, gr)
	g.Expect(apiServerStatus(ctx, g, apiToken, pods)).NotTo(Equal(http.StatusUnauthorized), "kube-apiserver should authenticate an API session")
	g.Expect(bearerForwardAuth(ctx, g, replicas()[0], accountA, "/dashboard", apiToken)).To(Equal(http.StatusOK),
		"an API session is let through forward auth as a Bearer token")
}

// TestBackgroundPollingIsNotActivity: a tab left on a page that polls in the background does not
// keep its session alive (docs/reference.md#browser-sessions): for longer than the activity flush
// interval the polls get through but the session's Lease records no activity after the last
// navigation; a navigation then is recorded. (The idle timeout itself is at least 15 minutes, too
// long to wait for here; what ends an idle session is the Lease's renewTime, so that is what is
// watched.)
func TestBackgroundPollingIsNotActivity(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ctx := t.Context()
	gr := newGrant(t, accountA, "polling-tab", "Limited")
	b := newTab(t)
	expectAppPage(g, b.openAndLogIn(g, web.caddyA()+"/poll", gr), hostOf(g, web.caddyA()), "Poll", gr)
	navigated := time.Now()

	polls := func(g Gomega) int {
		n, err := strconv.Atoi(b.text(g, "#polls"))
		g.Expect(err).NotTo(HaveOccurred(), "#polls")
		return n
	}
	g.Eventually(polls).WithTimeout(eventually).WithPolling(poll).Should(BeNumerically(">=", 2), "the page's background polls get through the gateway")
	g.Consistently(func(g Gomega) {
		g.Expect(gr.sessionRenewTime(ctx, g)).NotTo(BeTemporally(">", navigated), "a background poll was recorded as activity")
	}).WithTimeout(quietFor).WithPolling(2 * time.Second).Should(Succeed())
	g.Expect(b.text(g, "#poll-status")).To(Equal("200"), "the polls still get through")
	g.Expect(polls(g)).To(BeNumerically(">=", int(quietFor/time.Second)/2), "the page kept polling all along")

	before := time.Now().Truncate(time.Microsecond) // renewTime has microseconds
	b.do(g, "navigate to the dashboard", chromedp.Navigate(web.caddyA()+"/dashboard"))
	g.Eventually(func(g Gomega) time.Time { return gr.sessionRenewTime(ctx, g) }).
		WithTimeout(flushedWithin).WithPolling(poll).Should(BeTemporally(">=", before), "a navigation is activity")
}
