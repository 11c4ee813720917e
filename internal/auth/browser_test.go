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
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// page is an answer of a browser endpoint, its body read.
type page struct {
	*http.Response
	body string
}

func (s *testService) do(t *testing.T, req *http.Request) page {
	t.Helper()
	return doWith(t, noRedirects, req)
}

func doWith(t *testing.T, c *http.Client, req *http.Request) page {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{Response: resp, body: string(raw)}
}

// postLoginForm posts the login form as a browser on the service's own origin does.
func (s *testService) postLoginForm(t *testing.T, email, password, rd string) page {
	t.Helper()
	return s.postLoginFormWith(t, noRedirects, email, password, rd)
}

// postLoginFormWith posts the login form through c: tests of failed logins send them from an
// address of their own (clientFrom), so the address throttle of 127.0.0.1 stays clear.
func (s *testService) postLoginFormWith(t *testing.T, c *http.Client, email, password, rd string) page {
	t.Helper()
	form := url.Values{"email": {email}, "password": {password}, "rd": {rd}}
	req, _ := http.NewRequest(http.MethodPost, s.url+loginPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return doWith(t, c, req)
}

// browserFrom is clientFrom's client, showing redirects instead of following them.
func browserFrom(ip string) *http.Client {
	c := clientFrom(ip)
	c.CheckRedirect = noRedirects.CheckRedirect
	return c
}

// browserLogin logs in with the form and returns the session cookie's token.
func (s *testService) browserLogin(t *testing.T, grant issued) string {
	t.Helper()
	loginEventually(t, s, grant) // waits until the service knows the grant (an API session too)
	p := s.postLoginForm(t, grant.email, grant.password, "/dashboard")
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("login form: status %d, body %s", p.StatusCode, p.body)
	}
	for _, c := range p.Cookies() {
		if c.Name == CookieName {
			return c.Value
		}
	}
	t.Fatal("login form set no session cookie")
	return ""
}

// forward asks forward auth about a request for uri on account's route, as Caddy does.
func (s *testService) forward(t *testing.T, account, method, uri, cookie string, header map[string]string) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+ForwardAuthPath+account, nil)
	req.Header.Set("X-Forwarded-Method", method)
	req.Header.Set("X-Forwarded-Uri", uri)
	req.Header.Set("X-Forwarded-Host", "app.example")
	req.Header.Set("X-Forwarded-Proto", "https")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return s.do(t, req)
}

func TestLoginPageForm(t *testing.T) {
	g := NewWithT(t)
	p := serviceA.do(t, mustRequest(t, http.MethodGet, serviceA.url+loginPath+"?rd=%2Fmessages%3Fpage%3D2"))
	g.Expect(p.StatusCode).To(Equal(http.StatusOK))
	g.Expect(p.Header.Get("Content-Type")).To(HavePrefix("text/html"))
	csp := p.Header.Get("Content-Security-Policy")
	g.Expect(csp).To(ContainSubstring("default-src 'none'"))
	g.Expect(csp).To(ContainSubstring("form-action 'self'"))
	g.Expect(csp).To(ContainSubstring("frame-ancestors 'none'"))
	g.Expect(csp).NotTo(ContainSubstring("script-src"), "the page needs no script")
	g.Expect(p.Header.Get("Cache-Control")).To(Equal("no-store"))
	g.Expect(p.body).To(ContainSubstring(`<form method="post" action="/.supportaccess/login"`))
	g.Expect(p.body).To(ContainSubstring(`name="rd" value="/messages?page=2"`))
	g.Expect(p.body).NotTo(ContainSubstring("<script"))
	g.Expect(p.body).NotTo(MatchRegexp(`(src|href)="(https?:)?//`), "no third-party request")

	// An unsafe return URL never reaches the form.
	p = serviceA.do(t, mustRequest(t, http.MethodGet, serviceA.url+loginPath+"?rd="+url.QueryEscape("//evil.example/x")))
	g.Expect(p.body).To(ContainSubstring(`name="rd" value="/"`))

	// Injected markup in the email field is escaped when the form is shown again.
	p = serviceA.postLoginFormWith(t, browserFrom("127.0.0.61"), `"><script>alert(1)</script>@x`, "wrong", "/")
	g.Expect(p.StatusCode).To(Equal(http.StatusUnauthorized))
	g.Expect(p.body).NotTo(ContainSubstring("<script>alert(1)"))

	asset := serviceA.do(t, mustRequest(t, http.MethodGet, serviceA.url+BrowserPrefix+"assets/style.css"))
	g.Expect(asset.StatusCode).To(Equal(http.StatusOK))
	g.Expect(asset.Header.Get("Content-Type")).To(HavePrefix("text/css"))
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestLoginPageSetsHostCookie(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "web", nil)
	loginEventually(t, serviceA, grant)

	p := serviceA.postLoginForm(t, strings.ToUpper(grant.email), grant.password, "/messages?page=2")
	g.Expect(p.StatusCode).To(Equal(http.StatusSeeOther))
	g.Expect(p.Header.Get("Location")).To(Equal("/messages?page=2"))
	raw := p.Header.Values("Set-Cookie")
	g.Expect(raw).To(HaveLen(1))
	attrs := strings.Split(raw[0], "; ")
	g.Expect(attrs[0]).To(HavePrefix(CookieName + "=sat_"))
	g.Expect(attrs).To(ContainElements("Path=/", "HttpOnly", "Secure", "SameSite=Lax"))
	for _, a := range attrs {
		g.Expect(strings.ToLower(a)).NotTo(HavePrefix("domain="), "a __Host- cookie has no Domain")
	}
	g.Eventually(func() bool { return hasEvent(t, ns, "web", "Login") }, eventually, poll).Should(BeTrue())

	// Wrong password and unknown email: the same page, the same status.
	wrong := serviceA.postLoginFormWith(t, browserFrom("127.0.0.62"), grant.email, "not-the-password", "/")
	unknown := serviceA.postLoginFormWith(t, browserFrom("127.0.0.62"), "support-nobody@support.test", "not-the-password", "/")
	g.Expect(wrong.StatusCode).To(Equal(http.StatusUnauthorized))
	g.Expect(unknown.StatusCode).To(Equal(http.StatusUnauthorized))
	g.Expect(wrong.Header.Values("Set-Cookie")).To(BeEmpty())
	g.Expect(strings.ReplaceAll(wrong.body, grant.email, "")).To(Equal(strings.ReplaceAll(unknown.body, "support-nobody@support.test", "")))
}

func TestLoginPageThrottles(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "web", nil)
	loginEventually(t, serviceA, grant)
	var last page
	from := browserFrom("127.0.0.63")
	for range 12 {
		last = serviceA.postLoginFormWith(t, from, grant.email, "wrong", "/")
		if last.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	g.Expect(last.StatusCode).To(Equal(http.StatusTooManyRequests))
	g.Expect(last.Header.Get("Retry-After")).NotTo(BeEmpty())
	g.Expect(last.body).To(ContainSubstring("Wait " + last.Header.Get("Retry-After") + " seconds"))
}

func TestLoginPageRefusesCrossSitePosts(t *testing.T) {
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "web", nil)
	loginEventually(t, serviceA, grant)
	tests := []struct {
		name   string
		path   string
		header map[string]string
	}{
		{"login from another site", loginPath, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"login from a sibling subdomain", loginPath, map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"login with a foreign Origin only", loginPath, map[string]string{"Origin": "https://evil.example"}},
		{"logout from another site", logoutPath, map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"email": {grant.email}, "password": {grant.password}, "rd": {"/"}}
			req, _ := http.NewRequest(http.MethodPost, serviceA.url+tt.path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			p := serviceA.do(t, req)
			NewWithT(t).Expect(p.StatusCode).To(Equal(http.StatusForbidden), p.body)
			NewWithT(t).Expect(p.Header.Values("Set-Cookie")).To(BeEmpty())
		})
	}
}

func TestBrowserSessionIsNoAPICredential(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "web", nil)
	cookie := serviceA.browserLogin(t, grant)
	apiToken := loginEventually(t, serviceA, grant)

	g.Expect(serviceA.review(t, cookie).Status.Authenticated).To(BeFalse(), "a cookie's token at /tokenreview")
	status, _, _ := serviceA.call(t, http.MethodGet, "/v1/session", cookie, nil)
	g.Expect(status).To(Equal(http.StatusUnauthorized), "a cookie's token as a Bearer token")
	p := serviceA.forward(t, ns, http.MethodGet, "/dashboard", "", map[string]string{"Authorization": "Bearer " + cookie})
	g.Expect(p.StatusCode).To(Equal(http.StatusUnauthorized), "a cookie's token as a Bearer token at forward auth")

	// The reverse: an API token in the cookie is no browser session.
	p = serviceA.forward(t, ns, http.MethodGet, "/dashboard", apiToken, nil)
	g.Expect(p.StatusCode).To(Equal(http.StatusUnauthorized))
	// Each in its own place works.
	g.Expect(serviceA.forward(t, ns, http.MethodGet, "/dashboard", cookie, nil).StatusCode).To(Equal(http.StatusOK))
	g.Expect(serviceA.forward(t, ns, http.MethodGet, "/dashboard", "", map[string]string{"Authorization": "Bearer " + apiToken}).StatusCode).To(Equal(http.StatusOK))
	g.Expect(serviceA.review(t, apiToken).Status.Authenticated).To(BeTrue())

	// A tenant rewriting the kind annotation of its Leases breaks their seals: no replica that
	// reads them afresh takes either session for the other kind, or for any session at all.
	for _, token := range []string{cookie, apiToken} {
		lease := &coordinationv1.Lease{}
		g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: serviceA.leaseNameOf(token)}, lease)).To(Succeed())
		if lease.Annotations["supportaccess.io/session-kind"] == "browser" {
			delete(lease.Annotations, "supportaccess.io/session-kind")
		} else {
			lease.Annotations["supportaccess.io/session-kind"] = "browser"
		}
		g.Expect(k8s.Update(context.Background(), lease)).To(Succeed())
	}
	restarted, err := startService(context.Background(), restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	defer restarted.stop()
	for _, s := range []*testService{serviceA, restarted} {
		g.Consistently(func() bool {
			return s.review(t, cookie).Status.Authenticated ||
				s.forward(t, ns, http.MethodGet, "/dashboard", apiToken, nil).StatusCode == http.StatusOK
		}, 500*time.Millisecond, 50*time.Millisecond).Should(BeFalse(), "a session of the other kind after an edit of its Lease")
	}
	g.Expect(restarted.review(t, apiToken).Status.Authenticated).To(BeFalse(), "a Lease edited by a tenant is no session")
	g.Expect(restarted.forward(t, ns, http.MethodGet, "/dashboard", cookie, nil).StatusCode).To(Equal(http.StatusUnauthorized))
}

func TestForwardAuthAnswers(t *testing.T) {
	ns := newNamespace(t)
	other := newNamespace(t)
	limited := issueGrant(t, ns, "limited", func(g *supportaccessv1alpha1.SupportAccessGrant) {
		g.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelLimited
	})
	full := issueGrant(t, ns, "full", func(g *supportaccessv1alpha1.SupportAccessGrant) {
		g.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	})
	limitedCookie := serviceA.browserLogin(t, limited)
	fullCookie := serviceA.browserLogin(t, full)
	html := map[string]string{"Accept": "text/html,application/xhtml+xml", "Sec-Fetch-Mode": "navigate"}
	spoof := map[string]string{"X-Supportaccess-Access-Level": "Full", "Remote-User": "admin"}

	tests := []struct {
		name    string
		account string
		method  string
		uri     string
		cookie  string
		header  map[string]string
		want    int
		// wantLevel is the X-Supportaccess-Access-Level answered (empty on every refusal).
		wantLevel string
		wantBody  string
		wantLoc   string
	}{
		{name: "Limited on the dashboard", account: ns, method: "GET", uri: "/dashboard", cookie: limitedCookie, want: 200, wantLevel: "Limited"},
		{name: "Limited on a PII page", account: ns, method: "GET", uri: "/messages/42", cookie: limitedCookie, header: html, want: 403, wantBody: "needs Full access"},
		{name: "Limited posts to a PII page", account: ns, method: "POST", uri: "/contacts", cookie: limitedCookie, want: 403},
		{name: "Limited with a case trick", account: ns, method: "GET", uri: "/Inbox", cookie: limitedCookie, want: 403},
		{name: "Limited with a spoofed level", account: ns, method: "GET", uri: "/campaigns", cookie: limitedCookie, header: spoof, want: 403},
		{name: "Full on a PII page", account: ns, method: "GET", uri: "/messages/42?x=1", cookie: fullCookie, want: 200, wantLevel: "Full"},
		{name: "another account's route", account: other, method: "GET", uri: "/dashboard", cookie: fullCookie, header: html, want: 403, wantBody: "another account"},
		{name: "no account in the route", account: "", method: "GET", uri: "/dashboard", cookie: fullCookie, want: 400},
		{name: "an invalid account in the route", account: "Acme", method: "GET", uri: "/dashboard", cookie: fullCookie, want: 400},
		{name: "dot segments", account: ns, method: "GET", uri: "/dashboard/../messages", cookie: limitedCookie, want: 400},
		{name: "encoded slash", account: ns, method: "GET", uri: "/x%2F..%2Fmessages", cookie: limitedCookie, want: 400},
		{name: "matrix parameter", account: ns, method: "GET", uri: "/messages;x=1", cookie: limitedCookie, want: 400},
		{name: "doubled slash", account: ns, method: "GET", uri: "//messages", cookie: limitedCookie, want: 400},
		{name: "no session, a browser navigation", account: ns, method: "GET", uri: "/messages?page=2", header: html, want: 302,
			wantLoc: loginPath + "?rd=" + url.QueryEscape("/messages?page=2")},
		{name: "no session, a browser form post", account: ns, method: "POST", uri: "/settings", header: html, want: 303,
			wantLoc: loginPath + "?rd=%2Fsettings"},
		{name: "no session, a script", account: ns, method: "GET", uri: "/api/ping", want: 401},
		{name: "an invented cookie", account: ns, method: "GET", uri: "/dashboard", cookie: "sat_" + strings.Repeat("A", 43), header: html, want: 302},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			p := serviceA.forward(t, tt.account, tt.method, tt.uri, tt.cookie, tt.header)
			g.Expect(p.StatusCode).To(Equal(tt.want), p.body)
			for _, h := range identityHeaderNames {
				g.Expect(p.Header).To(HaveKey(h), "every answer carries every identity header")
			}
			g.Expect(p.Header.Get(HeaderAccessLevel)).To(Equal(tt.wantLevel))
			if tt.want == 200 {
				g.Expect(p.Header.Get(HeaderAccount)).To(Equal(ns))
				g.Expect(p.Header.Get(HeaderUser)).To(HavePrefix("supportaccess:support-"))
				g.Expect(p.Header.Get(HeaderRemoteUser)).To(Equal(p.Header.Get(HeaderEmail)))
				g.Expect(p.Header.Get(HeaderGrant)).NotTo(BeEmpty())
				_, err := time.Parse(time.RFC3339, p.Header.Get(HeaderExpiresAt))
				g.Expect(err).NotTo(HaveOccurred())
			}
			if tt.wantBody != "" {
				g.Expect(p.Header.Get("Content-Type")).To(HavePrefix("text/html"))
				g.Expect(p.body).To(ContainSubstring(tt.wantBody))
			}
			if tt.wantLoc != "" {
				g.Expect(p.Header.Get("Location")).To(Equal(tt.wantLoc))
			}
			if tt.want == 401 {
				g.Expect(p.Header.Get(HeaderLoginURL)).To(HavePrefix(loginPath + "?rd="))
			}
		})
	}
}
