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
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
)

// piiPages are the demo app's personal-data pages, the four of the help text ("message history,
// contacts, campaigns, and the inbox"), which the shipped page rules mark Full.
var piiPages = []struct{ path, title string }{
	{"/messages", "Messages"},
	{"/contacts", "Contacts"},
	{"/campaigns", "Campaigns"},
	{"/inbox", "Inbox"},
}

// The refusal pages' headings (the auth service's message.html).
const (
	needsFullTitle     = "This page needs Full access"
	otherAccountTitle  = "This support access is for another account"
	accessEndedNotice  = "support access has ended"
	loggedOutNotice    = "You have logged out."
	genericLoginFailed = "Invalid email or password, or this support access has ended."
)

// expectRefusedForLimited checks that p is the auth service's 403 page for a Limited session on a
// Full-only page, and that nothing of the app reached the browser.
func expectRefusedForLimited(g Gomega, p page, path string) {
	g.ExpectWithOffset(1, p.path()).To(Equal(path), "the refusal is answered on the page asked for")
	g.ExpectWithOffset(1, p.Status).To(BeEquivalentTo(http.StatusForbidden), "%s for a Limited session", path)
	g.ExpectWithOffset(1, p.Title).To(Equal(needsFullTitle), "%s for a Limited session: the page says why", path)
	g.ExpectWithOffset(1, p.Message).To(ContainSubstring("Limited"), "the refusal names the session's level")
	g.ExpectWithOffset(1, p.PageTitle).To(BeEmpty(), "%s: the app's page reached a Limited session", path)
	g.ExpectWithOffset(1, p.Records).To(BeZero(), "%s: personal data reached a Limited session", path)
}

// expectAppPage checks that p is the app's page of title, allowed (200), with the identity of gr.
func expectAppPage(g Gomega, p page, host, title string, gr grant) {
	g.ExpectWithOffset(1, p.host()).To(Equal(host), "the app's page is on the gateway's host")
	g.ExpectWithOffset(1, p.Status).To(BeEquivalentTo(http.StatusOK), "%s for a %s session", title, gr.level)
	g.ExpectWithOffset(1, p.PageTitle).To(Equal(title), "the page shown (%+v)", p)
	// What the gateway told the app: every header, once, the auth service's values.
	g.ExpectWithOffset(1, p.Identity).To(SatisfyAll(
		HaveKeyWithValue("x-supportaccess-access-level", gr.level),
		HaveKeyWithValue("x-supportaccess-account", gr.account),
		HaveKeyWithValue("x-supportaccess-grant", gr.name),
		HaveKeyWithValue("x-supportaccess-email", gr.email),
		HaveKeyWithValue("remote-user", gr.email),
		HaveKeyWithValue("x-supportaccess-user", Not(BeEmpty())),
		HaveKeyWithValue("x-supportaccess-expires-at", Not(BeEmpty())),
	), "the identity headers the app received")
	expires, err := time.Parse(time.RFC3339, p.Identity["x-supportaccess-expires-at"])
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "X-Supportaccess-Expires-At")
	g.ExpectWithOffset(1, expires).To(BeTemporally("~", time.Now().Add(time.Hour), 5*time.Minute), "the grant's end (duration 1h)")
}

// hostOf is the host:port of a gateway route's URL.
func hostOf(g Gomega, rawURL string) string {
	u, err := url.Parse(rawURL)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return u.Host
}

// TestLimitedLogin: a personal-data page without a session leads to the login page; a Limited
// grant's credentials bring the browser back there, to the page that says it needs Full access;
// the dashboard shows, with the identity the gateway passed on; every personal-data page is
// refused with 403. The screenshots of docs/images are taken on the way.
func TestLimitedLogin(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	gr := newGrant(t, accountA, "limited-login", "Limited")
	b := newTab(t)
	host := hostOf(g, web.caddyA())

	p := b.open(g, web.caddyA()+"/messages")
	g.Expect(p.onLoginPage()).To(BeTrue(), "/messages without a session: the login page, got %+v", p)
	g.Expect(p.host()).To(Equal(host), "the login page is served on the app's own host")
	g.Expect(p.Status).To(BeEquivalentTo(http.StatusOK))
	g.Expect(p.ReturnTo).To(Equal("/messages"), "the login form returns to the page asked for")
	g.Expect(p.Notice).To(BeEmpty(), "a first visit has no notice")
	b.screenshot(g, "login-page.png")

	p = b.logIn(g, gr)
	expectRefusedForLimited(g, p, "/messages")
	g.Expect(p.host()).To(Equal(host))
	b.screenshot(g, "limited-pii-refused.png")

	// The cookie as the browser keeps it (docs/reference.md#browser-sessions): HttpOnly, Secure,
	// SameSite=Lax, Path=/, host-only.
	c, ok := b.sessionCookie(g, web.caddyA())
	g.Expect(ok).To(BeTrue(), "no session cookie after the login")
	g.Expect(c.HTTPOnly).To(BeTrue(), "HttpOnly")
	g.Expect(c.Secure).To(BeTrue(), "Secure")
	g.Expect(c.SameSite).To(Equal(network.CookieSameSiteLax), "SameSite")
	g.Expect(c.Path).To(Equal("/"), "Path")
	g.Expect(c.Domain).To(Equal("localhost"), "host-only: no Domain attribute")

	p = b.open(g, web.caddyA()+"/dashboard")
	expectAppPage(g, p, host, "Dashboard", gr)
	for _, other := range []struct{ path, title string }{{"/settings", "Settings"}, {"/poll", "Poll"}} {
		expectAppPage(g, b.open(g, web.caddyA()+other.path), host, other.title, gr)
	}
	for _, pii := range piiPages {
		expectRefusedForLimited(g, b.open(g, web.caddyA()+pii.path), pii.path)
		// Below the page too: the rules match whole segments, not only the exact path.
		expectRefusedForLimited(g, b.open(g, web.caddyA()+pii.path+"/42"), pii.path+"/42")
	}
}

// TestFullLogin: a Full grant sees the four personal-data pages, rendered by the app.
func TestFullLogin(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	gr := newGrant(t, accountA, "full-login", "Full")
	b := newTab(t)
	host := hostOf(g, web.caddyA())

	expectAppPage(g, b.openAndLogIn(g, web.caddyA()+"/dashboard", gr), host, "Dashboard", gr)
	for _, pii := range piiPages {
		p := b.open(g, web.caddyA()+pii.path)
		expectAppPage(g, p, host, pii.title, gr)
		g.Expect(p.Records).To(BeNumerically(">", 0), "%s shows its records to a Full session", pii.path)
	}
}

// spoofedHeaders are what a client sends to pass for someone else: every identity header the app
// trusts (also spelt with "_"), and the original-request headers of both sets, naming a page a
// Limited session may see while it asks for another.
var spoofedHeaders = map[string]string{
	"X-Supportaccess-Access-Level": "Full",
	"X_Supportaccess_Access_Level": "Full",
	"X-Supportaccess-User":         "supportaccess:spoofed",
	"X-Supportaccess-Email":        "spoofed@evil.example",
	"X-Supportaccess-Account":      accountB,
	"X-Supportaccess-Grant":        "spoofed-grant",
	"X-Supportaccess-Expires-At":   "2999-01-01T00:00:00Z",
	"Remote-User":                  "spoofed@evil.example",
	"X-Forwarded-Uri":              "/dashboard",
	"X-Forwarded-Method":           "GET",
	"X-Original-Uri":               "/dashboard",
	"X-Original-Method":            "GET",
}

// TestSpoofedIdentityHeaders: identity headers a client sends itself never reach the app, and
// original-request headers it sends never make the auth service judge another page. Every request
// of the tab carries them, the login's included.
func TestSpoofedIdentityHeaders(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	gr := newGrant(t, accountA, "spoofing-limited", "Limited")
	b := newTab(t)
	host := hostOf(g, web.caddyA())
	b.setExtraHeaders(g, spoofedHeaders)

	// No session: claiming to be Full, on /dashboard, buys nothing but the login page, which
	// returns to the page really asked for.
	p := b.open(g, web.caddyA()+"/messages")
	g.Expect(p.onLoginPage()).To(BeTrue(), "/messages with spoofed headers and no session: the login page, got %+v", p)
	g.Expect(p.ReturnTo).To(Equal("/messages"))

	expectRefusedForLimited(g, b.logIn(g, gr), "/messages")
	// The app sees the session's identity, each header once: nothing of the client's.
	expectAppPage(g, b.open(g, web.caddyA()+"/dashboard"), host, "Dashboard", gr)
	for _, pii := range piiPages {
		expectRefusedForLimited(g, b.open(g, web.caddyA()+pii.path), pii.path)
	}
}

// TestAnotherAccountsApp: a session of account A, sent by the browser to account B's app (another
// port of localhost: cookies ignore ports), is refused with 403 and a page saying why, even a Full
// one; B's own support user gets in.
func TestAnotherAccountsApp(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	grA := newGrant(t, accountA, "other-account-full", "Full")
	grB := newGrant(t, accountB, "own-account-limited", "Limited")
	b := newTab(t)

	expectAppPage(g, b.openAndLogIn(g, web.caddyA()+"/dashboard", grA), hostOf(g, web.caddyA()), "Dashboard", grA)
	_, sent := b.sessionCookie(g, web.caddyB())
	g.Expect(sent).To(BeTrue(), "the browser should send A's session cookie to B's route too (same host, another port)")
	for _, path := range []string{"/dashboard", "/messages"} {
		p := b.open(g, web.caddyB()+path)
		g.Expect(p.Status).To(BeEquivalentTo(http.StatusForbidden), "B's %s with A's session", path)
		g.Expect(p.Title).To(Equal(otherAccountTitle), "B's %s with A's session: the page says why", path)
		g.Expect(p.PageTitle).To(BeEmpty(), "B's app answered A's session")
	}

	other := newTab(t)
	expectAppPage(g, other.openAndLogIn(g, web.caddyB()+"/dashboard", grB), hostOf(g, web.caddyB()), "Dashboard", grB)
}

// TestOpenRedirect: whatever return URL a link to the login page carries, or a tampered form
// posts, the browser ends up on the app's host after logging in: the URL falls back to "/" (the
// dashboard). Every name but localhost fails to resolve in this browser, so a redirect that left
// the host would show as another host or an error page, never pass.
func TestOpenRedirect(t *testing.T) {
	t.Parallel()
	gr := newGrant(t, accountA, "open-redirect", "Limited")
	host := hostOf(NewWithT(t), web.caddyA())
	attempts := []struct{ name, rd string }{
		{"scheme-relative", "//evil.example/"},
		{"scheme-relative, backslash", `/\evil.example`},
		{"two backslashes", `\\evil.example`},
		{"absolute https", "https://evil.example/"},
		{"absolute http", "http://evil.example"},
		{"scheme without slashes", "https:evil.example"},
		{"user info", "//localhost@evil.example"},
		{"tab, dropped by browsers", "/\t/evil.example"},
		{"newline, dropped by browsers", "/\n/evil.example"},
		{"leading space", " //evil.example"},
		{"encoded slashes, decoded again", "%2F%2Fevil.example"},
		{"encoded second slash", "/%2F/evil.example"},
		{"encoded tab", "/%09/evil.example"},
		{"encoded backslash", "/%5Cevil.example"},
		{"dot segments", "/..//evil.example"},
		{"javascript", "javascript:alert(document.domain)"},
		{"over 2 KiB", "/" + strings.Repeat("a", 2100)},
	}
	for _, a := range attempts {
		t.Run(a.name, func(t *testing.T) {
			g := NewWithT(t)
			b := newTab(t)
			link := web.caddyA() + "/.supportaccess/login?" + url.Values{"rd": {a.rd}}.Encode()

			// A link to the login page: the form carries "/" instead.
			p := b.open(g, link)
			g.Expect(p.onLoginPage()).To(BeTrue(), "the login page, got %+v", p)
			g.Expect(p.ReturnTo).To(Equal("/"), "the form's return URL for rd=%q", a.rd)

			// A tampered form posting the attempt itself: the login still lands on the host.
			b.do(g, "tamper with the form's rd", chromedp.SetValue(chromedp.CSS(`#login input[name="rd"]`), a.rd))
			p = b.logIn(g, gr)
			g.Expect(p.host()).To(Equal(host), "after a login posting rd=%q the browser is at %s", a.rd, p.URL)
			g.Expect(p.path()).To(Equal("/dashboard"), "rd=%q falls back to / (the dashboard)", a.rd)
			g.Expect(p.PageTitle).To(Equal("Dashboard"))

			// Already logged in, the login page sends the browser straight on: to the host too.
			p = b.open(g, link)
			g.Expect(p.host()).To(Equal(host), "the login page of a logged-in browser, rd=%q, sent it to %s", a.rd, p.URL)
			g.Expect(p.path()).To(Equal("/dashboard"))
		})
	}
}
