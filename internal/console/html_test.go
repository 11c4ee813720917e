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
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

// The page's HTML: a strict CSP on every answer, no inline script or style, state changes as
// POST forms only, labelled controls (docs/console.md; issue 14's "Plain, accessible HTML").

// button returns the <button> tag with id in body, failing when there is none.
func button(g Gomega, body, id string) string {
	tag := regexp.MustCompile(`<button[^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
	g.ExpectWithOffset(1, tag).NotTo(BeEmpty(), "no button %s in:\n%s", id, body)
	return tag
}

// checkHeaders checks what every answer of the console carries.
func checkHeaders(g Gomega, what string, h http.Header) {
	csp := h.Get("Content-Security-Policy")
	g.ExpectWithOffset(1, csp).To(ContainSubstring("script-src 'self'"), what)
	g.ExpectWithOffset(1, csp).To(ContainSubstring("default-src 'none'"), what)
	g.ExpectWithOffset(1, csp).To(ContainSubstring("frame-ancestors 'none'"), what)
	g.ExpectWithOffset(1, csp).NotTo(ContainSubstring("unsafe-inline"), what)
	g.ExpectWithOffset(1, csp).NotTo(ContainSubstring("unsafe-eval"), what)
	g.ExpectWithOffset(1, h.Get("X-Content-Type-Options")).To(Equal("nosniff"), what)
	g.ExpectWithOffset(1, h.Get("Cache-Control")).To(Equal("no-store"), what)
}

var (
	formTag      = regexp.MustCompile(`<form\b[^>]*>`)
	scriptTag    = regexp.MustCompile(`(?s)<script\b([^>]*)>(.*?)</script>`)
	inlineEvent  = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	inlineStyle  = regexp.MustCompile(`(?i)<style\b|<[^>]+\sstyle\s*=`)
	controlTag   = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*\sid="([^"]+)"[^>]*>`)
	javascriptRe = regexp.MustCompile(`(?i)(href|action|src)="\s*javascript:`)
	idAttr       = regexp.MustCompile(`\sid="([^"]+)"`)
)

// checkHTML checks one page: every form posts (when posts), no inline script, handler or style,
// every control with an id has its label.
func checkHTML(g Gomega, what, body string, posts bool) {
	g.ExpectWithOffset(1, body).To(HavePrefix("<!DOCTYPE html>"), what)
	g.ExpectWithOffset(1, body).To(ContainSubstring(`<html lang="en">`), what)
	g.ExpectWithOffset(1, body).To(ContainSubstring(`<meta name="viewport"`), what)
	for _, form := range formTag.FindAllString(body, -1) {
		if posts {
			g.ExpectWithOffset(1, form).To(ContainSubstring(`method="post"`), what)
		}
		g.ExpectWithOffset(1, form).To(MatchRegexp(`action="/`), what)
	}
	for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
		g.ExpectWithOffset(1, m[1]).To(ContainSubstring(`src="/assets/console.js"`), what)
		g.ExpectWithOffset(1, strings.TrimSpace(m[2])).To(BeEmpty(), "%s: inline script", what)
	}
	g.ExpectWithOffset(1, inlineEvent.FindAllString(body, -1)).To(BeEmpty(), "%s: inline event handlers", what)
	g.ExpectWithOffset(1, inlineStyle.FindAllString(body, -1)).To(BeEmpty(), "%s: inline style", what)
	g.ExpectWithOffset(1, javascriptRe.FindAllString(body, -1)).To(BeEmpty(), "%s: javascript: URLs", what)
	ids := map[string]int{}
	for _, m := range idAttr.FindAllStringSubmatch(body, -1) {
		ids[m[1]]++
	}
	for id, n := range ids {
		g.ExpectWithOffset(1, n).To(Equal(1), "%s: id %q is not unique", what, id)
	}
	for _, m := range controlTag.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[0], `type="hidden"`) {
			continue
		}
		g.ExpectWithOffset(1, body).To(ContainSubstring(`<label for="`+m[1]+`"`), "%s: control %s has a label", what, m[1])
	}
}

func TestPagesAreStrictHTML(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, loopbackMode, ns, roleAdmin)
	grant := activeGrant(t, ns, "g", nil)
	activeGrant(t, ns, "h", nil)
	activeGrant(t, ns, "old", nil)
	patchGrant(t, ns, "old", `{"revoked":true}`)
	waitForPhase(t, ns, "old", supportaccessv1alpha1.GrantPhaseRevoked)
	sessionLease(t, ns, "g", "session-g")
	sessionLease(t, ns, "h", "session-h")
	b := open(t, loopbackMode, admin)

	page := b.get("/accounts/" + ns)
	g.Expect(page.code).To(Equal(http.StatusOK))
	g.Expect(page.header.Get("Content-Type")).To(Equal("text/html; charset=utf-8"))
	checkHeaders(g, "the page", page.header)
	checkHTML(g, "the page", page.body, true)
	g.Expect(page.body).To(ContainSubstring(`<label for="duration"`))
	g.Expect(page.body).To(ContainSubstring(`data-expires="` + grant.grant.Status.ExpiresAt.UTC().Format(time.RFC3339) + `"`))
	g.Expect(page.body).To(MatchRegexp(`<select id="duration"[^>]*>\s*(<option[^>]*>[^<]*</option>\s*)+</select>`))
	g.Expect(page.body).To(ContainSubstring(`<option value="168h" selected>7 days</option>`), "7 days preselected")

	edit := b.get("/accounts/" + ns + "?edit=timeout")
	checkHTML(g, "the timeout being edited", edit.body, true)
	g.Expect(edit.body).To(ContainSubstring(`<option value="30m" selected>30 minutes (default)</option>`))

	confirm := b.post("/accounts/"+ns+"/grants/g/revoke", nil)
	g.Expect(confirm.code).To(Equal(http.StatusOK), "no confirmation sent: the page asks for it")
	checkHeaders(g, "the confirmation", confirm.header)
	checkHTML(g, "the confirmation", confirm.body, true)
	g.Expect(confirm.body).To(ContainSubstring(`<input type="hidden" name="confirmed" value="yes">`))
	g.Expect(getGrant(g, ns, "g").Spec.Revoked).To(BeFalse(), "not revoked before the confirmation")

	home := b.get("/")
	g.Expect(home.code).To(Equal(http.StatusOK))
	checkHeaders(g, "the home page", home.header)
	checkHTML(g, "the home page", home.body, false)
	g.Expect(home.body).To(ContainSubstring(`<form method="get" action="/">`), "the only GET form: which account to open")
	g.Expect(b.get("/?account=" + ns).location()).To(Equal("/accounts/" + ns))

	missing := b.get("/accounts/Not_A_Namespace")
	g.Expect(missing.code).To(Equal(http.StatusNotFound))
	checkHeaders(g, "an error page", missing.header)
	checkHTML(g, "an error page", missing.body, true)

	for file, contentType := range map[string]string{"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"} {
		a := b.get("/assets/" + file)
		g.Expect(a.code).To(Equal(http.StatusOK), file)
		g.Expect(a.header.Get("Content-Type")).To(Equal(contentType), file)
		checkHeaders(g, file, a.header)
	}
	g.Expect(b.get("/assets/nope.js").code).To(Equal(http.StatusNotFound))

	redirect := b.post("/accounts/"+ns+"/policy", url.Values{"inactivityTimeout": {"2h"}})
	g.Expect(redirect.code).To(Equal(http.StatusSeeOther))
	checkHeaders(g, "a redirect", redirect.header)
}

// An account whose maxGrantDuration is shorter than every period offered cannot generate: the
// button says why instead of posting a form the API refuses.
func TestGenerateDisabledWhenNoPeriodFits(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, bearerMode, ns, roleAdmin)
	g.Expect(k8s.Create(context.Background(), &supportaccessv1alpha1.AccountSessionPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "short"},
		Spec:       supportaccessv1alpha1.AccountSessionPolicySpec{MaxGrantDuration: &metav1.Duration{Duration: 30 * time.Minute}},
	})).To(Succeed())
	page := open(t, bearerMode, admin).get("/accounts/" + ns)
	g.Expect(page.code).To(Equal(http.StatusOK))
	g.Expect(button(g, page.body, "generate")).To(ContainSubstring("disabled"))
	g.Expect(page.body).To(ContainSubstring(html.EscapeString("no validity period fits this account's maxGrantDuration (30m)")))
	g.Expect(page.body).NotTo(ContainSubstring(" selected>"), "no disabled choice is preselected")
}

// The countdown starts from the console's clock (Options.Clock), which the page's script keeps
// counting from (data-now).
func TestCountdownFollowsTheConsoleClock(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, loopbackMode, ns, roleAdmin)
	grant := activeGrant(t, ns, "g", nil)
	expires := grant.grant.Status.ExpiresAt.Time
	now := expires.Add(-(90*time.Minute + 5*time.Second))
	s := serve(t, newUserAgent(admin.name), func(addr net.Addr) (Mode, error) { return NewLoopback(admin.cfg, addr) },
		Options{Clock: clocktesting.NewFakePassiveClock(now)})
	b := s.browser(t, nil)
	b.start(s.loopback.StartURL("/"))
	page := b.get("/accounts/" + ns)
	g.Expect(page.code).To(Equal(http.StatusOK))
	g.Expect(page.body).To(ContainSubstring(`data-now="` + now.UTC().Format(time.RFC3339) + `"`))
	g.Expect(page.body).To(ContainSubstring(`data-expires="` + expires.UTC().Format(time.RFC3339) + `">1h 30m 5s</span>`))
}

// Every button RBAC refuses is disabled, tied (aria-describedby) to a visible reason; the
// template alone, for buttons the envtest users above do not reach (End session for a user who
// may list sessions but not end them).
func TestDisabledButtonsSayWhy(t *testing.T) {
	g := NewWithT(t)
	no := func(what string) permission { return denied("no " + what) }
	live := grantView{Namespace: "acme", Name: "live", Phase: "Active", Active: true, Access: "Limited",
		Renew: no("renew"), Revoke: no("revoke"), EndSession: no("end"), CredentialsNote: "The password is not shown: no secret.",
		Sessions: []sessionView{{Lease: "session-1", UID: "u1", Kind: "Browser"}, {Lease: "session-2", UID: "u2", Kind: "API (kubectl)"}}}
	old := grantView{Namespace: "acme", Name: "old", Phase: "Revoked", History: true, Access: "Full", Delete: no("delete"), Renew: no("renew"), Revoke: no("revoke")}
	page := &accountPage{Namespace: "acme", User: "reader", Now: time.Now(), Generate: no("create"),
		Live: []grantView{live}, History: []grantView{old},
		Policy:      policyView{Label: "30 minutes", Save: no("save")},
		LiveUpdates: permission{Allowed: true},
	}
	var out strings.Builder
	g.Expect(templates.ExecuteTemplate(&out, "page.html", page)).To(Succeed())
	body := out.String()
	checkHTML(g, "the page", body, true)
	describedBy := regexp.MustCompile(`aria-describedby="([^"]+)"`)
	for _, tc := range []struct{ id, reason string }{
		{"generate", "Not allowed: no create."},
		{"renew_live", "Renew is not allowed: no renew."},
		{"revoke_live", "Revoke is not allowed: no revoke."},
		{"copy-button_live", "The password is not shown: no secret."},
		{"end_session-1", "Ending sessions is not allowed: no end."},
		{"end_session-2", "Ending sessions is not allowed: no end."},
		{"delete_old", "Delete is not allowed: no delete."},
		{"edit-timeout", "Editing is not allowed: no save."},
	} {
		tag := button(g, body, tc.id)
		g.Expect(tag).To(ContainSubstring(" disabled"), tc.id)
		m := describedBy.FindStringSubmatch(tag)
		g.Expect(m).To(HaveLen(2), "%s: aria-describedby", tc.id)
		g.Expect(body).To(MatchRegexp(`<p id="`+regexp.QuoteMeta(m[1])+`" class="denied">`+regexp.QuoteMeta(tc.reason)+`</p>`), tc.id)
	}
	g.Expect(body).NotTo(ContainSubstring(`<dialog`), "no revoke dialog for a user who may not revoke")
	g.Expect(strings.Count(body, `id="delete-denied"`)).To(Equal(1), "ids are unique")
}

// Element ids are "<what>_<name>": "_" is in no object name, so no grant's ids collide with
// another's ("copy-" + "button-x" would be "copy-button-" + "x"), and "Copy credentials" always
// copies its own grant's credentials.
func TestElementIDsAreUnique(t *testing.T) {
	g := NewWithT(t)
	var live []grantView
	for _, name := range []string{"x", "button-x", "denied-x", "title-x", "revoke-x", "denied"} {
		live = append(live, grantView{Namespace: "acme", Name: name, Phase: "Active", Active: true, Access: "Limited",
			Credentials: &accountclient.Credentials{Email: name + "@support.test", Password: "pw-" + name},
			CopyText:    "Password: pw-" + name,
			Renew:       permission{Allowed: true}, Revoke: permission{Allowed: true}, EndSession: denied("no end"),
			Sessions: []sessionView{{Lease: "denied-" + name, UID: "u"}}})
	}
	history := []grantView{{Namespace: "acme", Name: "old", Phase: "Revoked", History: true, Access: "Full", Delete: denied("no delete")}}
	page := &accountPage{Namespace: "acme", User: "admin", Now: time.Now(), Generate: denied("no create"),
		Live: live, History: history, Policy: policyView{Label: "30 minutes", Save: denied("no save")},
		LiveUpdates: permission{Allowed: true}}
	var out strings.Builder
	g.Expect(templates.ExecuteTemplate(&out, "page.html", page)).To(Succeed())
	seen := map[string]int{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(out.String(), -1) {
		seen[m[1]]++
	}
	for id, n := range seen {
		g.Expect(n).To(Equal(1), "id %q appears %d times", id, n)
	}
	g.Expect(seen).To(HaveKey("copy_button-x"), "the credentials of grant button-x")
	g.Expect(out.String()).To(ContainSubstring(`data-copy="copy_x"`))
}
