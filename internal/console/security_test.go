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
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// Issue 14's security tests: a cross-site POST (both modes), a request without the console's
// cookie or token, a foreign Host, the one-time start link and its next parameter, and HTML in
// a grant's reason (both modes, page and live view).

// xss is a stored XSS attempt in a grant's reason.
const xss = `<script>alert(1)</script><img src=x onerror=alert(1)>`

func TestCrossSitePostsAreRefused(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			g := NewWithT(t)
			ns := newAccount(t)
			admin := newUser(t, m, ns, roleAdmin)
			grant := activeGrant(t, ns, "g", nil)
			lease := sessionLease(t, ns, "g", "session-g")
			b := open(t, m, admin)

			posts := []struct {
				path string
				form url.Values
			}{
				{"/accounts/" + ns + "/grants", url.Values{"access": {"Full"}, "duration": {"1h"}}},
				{"/accounts/" + ns + "/grants/g/renew", url.Values{}},
				{"/accounts/" + ns + "/grants/g/revoke", url.Values{"confirmed": {"yes"}}},
				{"/accounts/" + ns + "/grants/g/delete", url.Values{"uid": {string(grant.grant.UID)}}},
				{"/accounts/" + ns + "/sessions/session-g/end", url.Values{"uid": {string(lease.UID)}}},
				{"/accounts/" + ns + "/policy", url.Values{"inactivityTimeout": {"12h"}}},
			}
			crossSite := map[string]http.Header{
				"Sec-Fetch-Site: cross-site": {"Sec-Fetch-Site": {"cross-site"}},
				"Sec-Fetch-Site: same-site":  {"Sec-Fetch-Site": {"same-site"}},
				"foreign Origin":             {"Origin": {"https://evil.example"}},
				"Origin of another port":     {"Origin": {"http://127.0.0.1:1"}},
				"opaque Origin":              {"Origin": {"null"}},
			}
			for _, p := range posts {
				for name, h := range crossSite {
					req := b.newRequest(http.MethodPost, p.path, p.form)
					for k, v := range h {
						req.Header[k] = v
					}
					r := b.do(req)
					g.Expect(r.code).To(Equal(http.StatusForbidden), "%s %s", name, p.path)
					g.Expect(r.body).To(ContainSubstring("Cross-site request refused"), "%s %s", name, p.path)
				}
			}
			// Nothing changed.
			g.Expect(grantNames(g, ns)).To(ConsistOf("g"))
			stored := getGrant(g, ns, "g")
			g.Expect(stored.Spec.Revoked).To(BeFalse())
			g.Expect(stored.Spec.RenewedAt).To(BeNil())
			g.Expect(stored.DeletionTimestamp).To(BeNil())
			g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(lease), lease)).To(Succeed())
			policies := &supportaccessv1alpha1.AccountSessionPolicyList{}
			g.Expect(k8s.List(context.Background(), policies, client.InNamespace(ns))).To(Succeed())
			g.Expect(policies.Items).To(BeEmpty())

			// What a browser sends for the page's own form is served.
			req := b.newRequest(http.MethodPost, posts[0].path, posts[0].form)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Origin", b.s.url)
			g.Expect(b.do(req).code).To(Equal(http.StatusSeeOther))
		})
	}
}

func TestLoopbackNeedsTheCookie(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, loopbackMode, ns, roleAdmin)
	s := serveLoopback(t, admin.cfg, newUserAgent(admin.name))
	for name, header := range map[string]http.Header{
		"no cookie":      nil,
		"a wrong cookie": {"Cookie": {cookieName + "=guessed"}},
		"an empty one":   {"Cookie": {cookieName + "="}},
	} {
		b := s.browser(t, header)
		for _, r := range []response{
			b.get("/accounts/" + ns),
			b.get("/"),
			b.get("/assets/console.js"),
			b.post("/accounts/"+ns+"/grants", url.Values{"access": {"Limited"}, "duration": {"1h"}}),
		} {
			g.Expect(r.code).To(Equal(http.StatusUnauthorized), name)
			g.Expect(r.body).To(ContainSubstring("Open the console&#39;s link"), name)
			checkHeaders(g, name, r.header)
		}
		g.Expect(b.live(ns).code).To(Equal(http.StatusUnauthorized), name)
	}
	g.Expect(grantNames(g, ns)).To(BeEmpty())
}

// DNS rebinding: a page of another site whose name now resolves to 127.0.0.1 sends its own Host.
func TestLoopbackRefusesAForeignHost(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, loopbackMode, ns, roleAdmin)
	s := serveLoopback(t, admin.cfg, newUserAgent(admin.name))
	_, port, _ := net.SplitHostPort(s.host)
	b := s.browser(t, nil)

	// The start link through a foreign Host gives no cookie and leaves the link unused.
	req := b.newRequest(http.MethodGet, s.loopback.StartURL("/accounts/"+ns), nil)
	req.Host = "evil.example:" + port
	r := b.do(req)
	g.Expect(r.code).To(Equal(http.StatusMisdirectedRequest))
	g.Expect(r.cookies).To(BeEmpty())
	b.start(s.loopback.StartURL("/accounts/" + ns))

	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1", "127.0.0.1:1", "localhost.evil.example:" + port} {
		for _, req := range []*http.Request{
			b.newRequest(http.MethodGet, "/accounts/"+ns, nil),
			b.newRequest(http.MethodGet, "/accounts/"+ns+"/live", nil),
			b.newRequest(http.MethodPost, "/accounts/"+ns+"/grants", url.Values{"access": {"Limited"}, "duration": {"1h"}}),
		} {
			req.Host = host
			r := b.do(req)
			g.Expect(r.code).To(Equal(http.StatusMisdirectedRequest), "%s %s with Host %s", req.Method, req.URL.Path, host)
			g.Expect(r.body).To(ContainSubstring("Wrong address"))
			g.Expect(r.body).NotTo(ContainSubstring(ns), "nothing of the account")
		}
	}
	g.Expect(grantNames(g, ns)).To(BeEmpty())

	// Its own addresses are served.
	for _, host := range []string{s.host, "localhost:" + port, "LOCALHOST:" + port} {
		req := b.newRequest(http.MethodGet, "/accounts/"+ns, nil)
		req.Host = host
		g.Expect(b.do(req).code).To(Equal(http.StatusOK), host)
	}
}

func TestLoopbackStartLinkWorksOnce(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, loopbackMode, ns, roleAdmin)
	s := serveLoopback(t, admin.cfg, newUserAgent(admin.name))
	link := s.loopback.StartURL("/accounts/" + ns)
	u, err := url.Parse(link)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(u.Host).To(Equal(s.host))

	// A wrong token, or the right one posted, opens nothing and spends nothing.
	wrong := *u
	q := wrong.Query()
	q.Set("token", strings.Repeat("A", len(q.Get("token"))))
	wrong.RawQuery = q.Encode()
	attacker := s.browser(t, nil)
	r := attacker.get(wrong.String())
	g.Expect(r.code).To(Equal(http.StatusForbidden))
	g.Expect(r.cookies).To(BeEmpty())
	r = attacker.do(attacker.newRequest(http.MethodPost, link, url.Values{}))
	g.Expect(r.code).To(Equal(http.StatusMethodNotAllowed))
	g.Expect(r.cookies).To(BeEmpty())

	first := s.browser(t, nil)
	r = first.get(link)
	g.Expect(r.code).To(Equal(http.StatusSeeOther))
	g.Expect(r.location()).To(Equal("/accounts/" + ns))
	g.Expect(r.cookies).To(HaveLen(1))
	c := r.cookies[0]
	g.Expect(c.Name).To(Equal(cookieName))
	g.Expect(c.HttpOnly).To(BeTrue())
	g.Expect(c.SameSite).To(Equal(http.SameSiteStrictMode))
	g.Expect(c.Path).To(Equal("/"))
	first.header.Set("Cookie", c.Name+"="+c.Value)
	g.Expect(first.get(r.location()).code).To(Equal(http.StatusOK))

	// The link is spent: a second use (a leaked shell history) opens nothing.
	second := s.browser(t, nil)
	r = second.get(link)
	g.Expect(r.code).To(Equal(http.StatusForbidden))
	g.Expect(r.cookies).To(BeEmpty())
	g.Expect(second.get("/accounts/" + ns).code).To(Equal(http.StatusUnauthorized))
	g.Expect(first.get("/accounts/"+ns).code).To(Equal(http.StatusOK), "the browser that opened it keeps working")
}

// The start link's next parameter leads to a page of the console, never off-site.
func TestLoopbackStartLinkStaysOnSite(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8765}
	for _, tc := range []struct{ next, want string }{
		{"/accounts/acme", "/accounts/acme"},
		{"/accounts/acme?edit=timeout", "/accounts/acme?edit=timeout"},
		{"", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"https://evil.example", "/"},
		{"https://evil.example/accounts/acme", "/"},
		{"http:evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/accounts/../..//evil.example", "/evil.example"},
	} {
		t.Run(tc.next, func(t *testing.T) {
			g := NewWithT(t)
			l, err := NewLoopback(&rest.Config{Host: "https://127.0.0.1:1"}, addr)
			g.Expect(err).NotTo(HaveOccurred())
			c, err := New(Options{Mode: l})
			g.Expect(err).NotTo(HaveOccurred())
			req := httptest.NewRequest(http.MethodGet, l.StartURL(tc.next), nil)
			rec := httptest.NewRecorder()
			c.ServeHTTP(rec, req)
			g.Expect(rec.Code).To(Equal(http.StatusSeeOther))
			location := rec.Header().Get("Location")
			g.Expect(location).To(Equal(tc.want))
			u, err := url.Parse(location)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.Host).To(BeEmpty())
			g.Expect(u.Scheme).To(BeEmpty())
			g.Expect(location).NotTo(HavePrefix("//"))
		})
	}
}

func TestBearerTokensNeedAToken(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	s := serveBearer(t, newUserAgent( /* no one: without a token nothing may reach kube-apiserver */ ))
	for name, header := range map[string]http.Header{
		"no Authorization": nil,
		"Basic":            {"Authorization": {"Basic YWRtaW46YWRtaW4="}},
		"Bearer, empty":    {"Authorization": {"Bearer "}},
		"a bare token":     {"Authorization": {"some-token"}},
	} {
		b := s.browser(t, header)
		for _, r := range []response{
			b.get("/accounts/" + ns),
			b.get("/"),
			b.post("/accounts/"+ns+"/grants", url.Values{"access": {"Limited"}, "duration": {"1h"}}),
		} {
			g.Expect(r.code).To(Equal(http.StatusUnauthorized), name)
			g.Expect(r.header.Get("WWW-Authenticate")).To(HavePrefix("Bearer"), name)
			g.Expect(r.body).To(ContainSubstring("Sign in first"), name)
			checkHeaders(g, name, r.header)
		}
		g.Expect(b.live(ns).code).To(Equal(http.StatusUnauthorized), name)
	}
	g.Expect(grantNames(g, ns)).To(BeEmpty())
	g.Expect(consoleAudit(t, s.userAgent)).To(BeEmpty(), "no request reached kube-apiserver")
}

// A token kube-apiserver does not accept is its 401, shown; the base config does not step in.
func TestBearerTokensInvalidTokenIsRefusedByTheAPI(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	s := serveBearer(t, newUserAgent("" /* authenticated as no one */))
	b := s.browser(t, http.Header{"Authorization": {"Bearer not-a-token"}})
	r := b.get("/accounts/" + ns)
	g.Expect(r.code).To(Equal(http.StatusUnauthorized), r.body)
	g.Expect(r.body).To(ContainSubstring("Cannot open account " + ns))
	r = b.post("/accounts/"+ns+"/grants", url.Values{"access": {"Limited"}, "duration": {"1h"}})
	g.Expect(r.code).To(Equal(http.StatusUnauthorized), r.body)
	g.Expect(b.live(ns).code).To(Equal(http.StatusUnauthorized))
	g.Expect(grantNames(g, ns)).To(BeEmpty())
}

func TestHTMLInAReasonIsEscaped(t *testing.T) {
	escaped := "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			g := NewWithT(t)
			ns := newAccount(t)
			admin := newUser(t, m, ns, roleAdmin)
			activeGrant(t, ns, "g", func(g *supportaccessv1alpha1.SupportAccessGrant) { g.Spec.Reason = xss })
			activeGrant(t, ns, "h", func(g *supportaccessv1alpha1.SupportAccessGrant) { g.Spec.Reason = xss })
			patchGrant(t, ns, "h", `{"revoked":true}`) // history shows the reason too
			waitForPhase(t, ns, "h", supportaccessv1alpha1.GrantPhaseRevoked)
			b := open(t, m, admin)

			page := b.get("/accounts/" + ns)
			g.Expect(page.code).To(Equal(http.StatusOK))
			g.Expect(page.body).To(ContainSubstring("Reason: " + escaped))
			g.Expect(page.body).To(ContainSubstring(`<span class="hint">` + escaped + `</span>`))

			live := b.live(ns).next(t, eventually).update(t)
			g.Expect(live.Grants).To(ContainSubstring("Reason: " + escaped))
			g.Expect(live.Grants).To(ContainSubstring(`<span class="hint">` + escaped + `</span>`))

			// Query parameters and path names do not make markup either.
			notice := b.get("/accounts/" + ns + "?done=revoked&grant=" + url.QueryEscape(xss))
			g.Expect(notice.code).To(Equal(http.StatusOK))
			confirm := b.post("/accounts/"+ns+"/grants/"+url.PathEscape(xss)+"/revoke", nil)
			g.Expect(confirm.code).To(Equal(http.StatusNotFound))

			seen := b.everything()
			g.Expect(seen).NotTo(ContainSubstring("<script>alert"))
			g.Expect(seen).NotTo(ContainSubstring("<img src=x"))
			g.Expect(seen).NotTo(ContainSubstring(`\u003cscript\u003ealert`), "nor as JSON the script would insert")
		})
	}
}

// A link from another site cannot make the page announce what did not happen ("revoked"): the
// notice follows only the console's own redirect, a same-origin navigation.
func TestNoticesOnlyAfterTheConsolesOwnRedirect(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			g := NewWithT(t)
			ns := newAccount(t)
			admin := newUser(t, m, ns, roleAdmin)
			activeGrant(t, ns, "g", nil)
			b := open(t, m, admin)
			const revoked = "Access of grant g revoked"
			for site, shown := range map[string]bool{"cross-site": false, "same-site": false, "same-origin": true, "": true} {
				req := b.newRequest(http.MethodGet, "/accounts/"+ns+"?done=revoked&grant=g", nil)
				if site != "" {
					req.Header.Set("Sec-Fetch-Site", site)
				}
				r := b.do(req)
				g.Expect(r.code).To(Equal(http.StatusOK))
				if shown {
					g.Expect(r.body).To(ContainSubstring(revoked), "Sec-Fetch-Site %q", site)
				} else {
					g.Expect(r.body).NotTo(ContainSubstring(revoked), "Sec-Fetch-Site %q", site)
				}
			}
			g.Expect(getGrant(g, ns, "g").Spec.Revoked).To(BeFalse())
		})
	}
}

// Revoke and Renew act on the grant the page showed: a form naming another UID (the grant was
// deleted and created again under the same name since) changes nothing.
func TestRevokeAndRenewCheckTheUID(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, loopbackMode, ns, roleAdmin)
	activeGrant(t, ns, "g", nil)
	b := open(t, loopbackMode, admin)
	const other = "00000000-0000-0000-0000-000000000001"
	r := b.post("/accounts/"+ns+"/grants/g/revoke", url.Values{"confirmed": {"yes"}, "uid": {other}})
	// kube-apiserver refuses a patch whose metadata.uid differs (422: the UID cannot change).
	g.Expect(r.code).To(BeElementOf(http.StatusConflict, http.StatusUnprocessableEntity), r.body)
	g.Expect(r.body).To(ContainSubstring("uid"))
	r = b.post("/accounts/"+ns+"/grants/g/renew", url.Values{"uid": {other}})
	g.Expect(r.code).To(Equal(http.StatusConflict), r.body)
	stored := getGrant(g, ns, "g")
	g.Expect(stored.Spec.Revoked).To(BeFalse())
	g.Expect(stored.Spec.RenewedAt).To(BeNil())
	// The grant's own UID does it.
	r = b.post("/accounts/"+ns+"/grants/g/revoke", url.Values{"confirmed": {"yes"}, "uid": {string(stored.UID)}})
	g.Expect(r.code).To(Equal(http.StatusSeeOther), r.body)
	g.Expect(getGrant(g, ns, "g").Spec.Revoked).To(BeTrue())
}
