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
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
)

// liveWithin is how soon a change made elsewhere must show on an open page (docs/reference.md#console).
const liveWithin = 2 * time.Second

// deleteGrantAfter deletes a grant the console made, after the test.
func deleteGrantAfter(t *testing.T, name string) {
	t.Cleanup(func() {
		_ = env.Kubectl(context.Background(), env.Cluster.KubeconfigPath, "", "",
			"delete", "sag", name, "-n", accountA, "--wait=false", "--ignore-not-found")
	})
}

// present reports whether sel finds an element on the tab's page now.
func present(g Gomega, b *tab, sel string) bool {
	return eval[bool](g, b, `document.querySelector(`+jsString(sel)+`) !== null`)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// lineValue returns what follows prefix on the line of text that starts with it.
func lineValue(text, prefix string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// The help pages' flow, in a browser, as the account's admin (docs/console.md): generate Limited
// credentials with the 7-day timer, see them, copy them, log in with what was copied, renew,
// revoke through the confirmation dialog, and the token is refused at once.
func TestConsoleHelpPageFlow(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	c := startConsole(t, consoleAdmin)
	b := newTab(t)
	b.allowClipboard(g, c.origin)
	b.openConsole(g, c)

	g.Expect(eval[string](g, b, `document.querySelector('input[name=access]:checked').value`)).To(Equal("Limited"), "Limited is the default")
	g.Expect(eval[string](g, b, `document.getElementById('duration').value`)).To(Equal("168h"), "7 days is preselected")
	b.do(g, "type the reason", chromedp.SendKeys(chromedp.CSS("#reason"), "Ticket #4711"))
	p := b.clickLive(g, "#generate")
	name := p.query().Get("grant")
	g.Expect(name).To(HavePrefix("support-"), "Generate credentials lands on the page with the new grant")
	deleteGrantAfter(t, name)

	// The credentials appear once the operator has issued them, without a reload.
	card := "#grant_" + name
	b.do(g, "wait for the issued credentials", chromedp.WaitVisible(chromedp.CSS(card+" .password")))
	password := b.text(g, chromedp.CSS(card+" .password"))
	env.Secrets.RememberPassword("a console grant's", password)
	g.Expect(password).NotTo(BeEmpty())
	g.Expect(b.text(g, chromedp.CSS(card+" .countdown"))).To(MatchRegexp(`^6d 23h \d+m$`), "the countdown of a 7-day grant")
	g.Expect(b.text(g, chromedp.CSS(card+" .badge"))).To(Equal("Limited: no personal data"))
	b.screenshot(g, "console-active-grant.png")

	// Copy credentials puts everything support needs on the clipboard; it logs in.
	b.do(g, "click Copy credentials", chromedp.Click(chromedp.CSS("#copy-button_"+name)))
	var copied string
	g.Eventually(func() string {
		copied = b.clipboard(g)
		return copied
	}).WithTimeout(actionTimeout).WithPolling(poll).Should(ContainSubstring("Password: "+password), "the clipboard after Copy credentials")
	email := lineValue(copied, "Login email: ")
	g.Expect(email).To(HaveSuffix("@support.test"), "the copied login email")
	g.Expect(copied).To(ContainSubstring("Limited access (no personal data)"))
	g.Expect(copied).To(ContainSubstring("Login URL: "+consoleLoginURL), "the managers' --login-url, from the Secret")
	g.Expect(copied).To(MatchRegexp(`(?m)^Expires: \d{4}-\d\d-\d\dT`))
	token := loginWith(ctx, g, email, password).Token
	g.Expect(tokenReview(ctx, g, replicas()[0], token).Authenticated).To(BeTrue(), "the copied credentials' session")

	// Renew restarts the validity window.
	p = b.clickLive(g, chromedp.CSS("#renew_"+name))
	g.Expect(p.query().Get("done")).To(Equal("renewed"))
	g.Expect(mustKubectl(ctx, g, "", "get", "sag", name, "-n", accountA, "-o", "jsonpath={.spec.renewedAt}")).NotTo(BeEmpty(), "Renew sets spec.renewedAt")

	// Revoke asks first, then support loses access at once.
	b.do(g, "open the revoke dialog", chromedp.Click(chromedp.CSS("#revoke_"+name)), chromedp.WaitVisible(chromedp.CSS("#confirm_"+name)))
	g.Expect(b.text(g, chromedp.CSS("#confirm_"+name))).To(ContainSubstring("Support loses access immediately"))
	p = b.clickLive(g, chromedp.CSS("#confirm-revoke_"+name))
	revoked := time.Now()
	g.Expect(p.query().Get("done")).To(Equal("revoked"))
	for _, r := range replicas() {
		g.Eventually(func(g Gomega) {
			g.Expect(tokenReview(ctx, g, r, token).Authenticated).To(BeFalse())
		}).WithTimeout(refusedAtOnce).WithPolling(poll).Should(Succeed(), "%s still accepts the session of a revoked grant", r.name)
	}
	t.Logf("the revoked grant's token was refused on every replica %s after the confirmation", time.Since(revoked).Round(time.Millisecond))
	g.Eventually(func() bool { return present(g, b, "#grant_"+name+" .phase-Revoked") }).
		WithTimeout(liveWithin).WithPolling(poll).Should(BeTrue(), "the revoked grant moves to the history")
}

// The session timeout, as the seeds describe it: Edit, a dropdown, Save; saved for the account,
// it applies to the next login.
func TestConsoleSessionTimeout(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	gr := newGrant(t, accountA, "console-timeout", "Limited")
	t.Cleanup(func() {
		_ = env.Kubectl(context.Background(), env.Cluster.KubeconfigPath, "", "", "delete", "accountsessionpolicies", "--all", "-n", accountA)
	})
	c := startConsole(t, consoleAdmin)
	b := newTab(t)
	b.openConsole(g, c)
	g.Expect(b.text(g, "#session-timeout .timeout")).To(Equal("Automatic logout after 30 minutes of inactivity (default)."))
	g.Expect(b.text(g, "#session-timeout .aal2")).To(HavePrefix("NIST SP 800-63B-4 AAL2: met ("))

	p := b.clickLive(g, "#edit-timeout")
	g.Expect(p.query().Get("edit")).To(Equal("timeout"))
	options := eval[[]string](g, b, `[...document.querySelectorAll('#inactivityTimeout option')].map(o => o.value)`)
	g.Expect(options).To(Equal([]string{"15m", "30m", "1h", "2h", "4h", "8h", "12h"}), "the allowed values, in order")
	b.do(g, "choose 1 hour", chromedp.SetValue(chromedp.CSS("#inactivityTimeout"), "1h"), chromedp.Focus(chromedp.CSS("#inactivityTimeout")))
	b.screenshot(g, "console-session-timeout.png")
	p = b.clickLive(g, "#save-timeout")
	g.Expect(p.query().Get("done")).To(Equal("policy"))
	g.Expect(b.text(g, "#session-timeout .timeout")).To(Equal("Automatic logout after 1 hour of inactivity."))

	// The auth service learns of the policy from its watch: the next login gets 3600 s.
	g.Eventually(func(g Gomega) {
		g.Expect(loginWith(ctx, g, gr.email, gr.password).IdleTimeoutSeconds).To(Equal(int64(3600)))
	}).WithTimeout(eventually).WithPolling(250 * time.Millisecond).Should(Succeed())
}

// What kubectl, GitOps or the operator change shows on an open page within 2 s, without a reload.
func TestConsoleShowsChangesMadeElsewhere(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	c := startConsole(t, consoleAdmin)
	b := newTab(t)
	b.openConsole(g, c)

	gr := newGrant(t, accountA, "console-live", "Full")
	g.Eventually(func() bool { return present(g, b, "#grant_console-live .phase-Active") }).
		WithTimeout(liveWithin).WithPolling(poll).Should(BeTrue(), "a grant created with kubectl shows as Active")
	began := time.Now()
	gr.revoke(ctx, g)
	g.Eventually(func() bool { return present(g, b, "#grant_console-live .phase-Revoked") }).
		WithTimeout(liveWithin).WithPolling(50*time.Millisecond).Should(BeTrue(), "a grant revoked with kubectl turns Revoked on the open page")
	t.Logf("revoked with kubectl: the open page showed it %s later", time.Since(began).Round(time.Millisecond))
}

// The countdown runs on the page's clock: moved by hours, it follows at once (no waiting).
func TestConsoleCountdownFollowsTheClock(t *testing.T) {
	g := NewWithT(t)
	newGrant(t, accountA, "console-clock", "Limited") // 1h
	c := startConsole(t, consoleAdmin)
	b := newTab(t)
	b.injectClock(g)
	b.openConsole(g, c)
	sel := chromedp.CSS("#grant_console-clock .countdown")
	// expiresAt has the API's one-second resolution: just issued, an hour or a little less is left.
	g.Expect(b.text(g, sel)).To(MatchRegexp(`^(1h 0m 0s|5\dm \d+s)$`), "a 1-hour grant just issued")
	// Live updates (one comes right after the page connects) replace the countdown's element;
	// the count goes on from the same clock.
	eval[any](g, b, `__advance(30 * 60 * 1000)`)
	g.Eventually(func() string { return b.text(g, sel) }).WithTimeout(3*time.Second).WithPolling(poll).
		Should(MatchRegexp(`^(30m 0s|2\dm \d+s)$`), "30 minutes later")
	eval[any](g, b, `__advance(31 * 60 * 1000)`)
	g.Eventually(func() string { return b.text(g, sel) }).WithTimeout(3*time.Second).WithPolling(poll).
		Should(Equal("expired"), "past the expiry")
}

// A read-only colleague sees the page with every change disabled, and never a password.
func TestConsoleReadOnlyUser(t *testing.T) {
	g := NewWithT(t)
	gr := newGrant(t, accountA, "console-readonly", "Full")
	c := startConsole(t, consoleViewer)
	b := newTab(t)
	b.openConsole(g, c)
	for _, id := range []string{"generate", "copy-button_console-readonly", "renew_console-readonly", "revoke_console-readonly", "edit-timeout"} {
		g.Expect(eval[bool](g, b, `document.getElementById(`+jsString(id)+`).disabled`)).To(BeTrue(), "#%s is disabled for a read-only user", id)
	}
	g.Expect(b.text(g, "#generate-denied")).To(ContainSubstring("your Kubernetes permissions do not allow create on supportaccessgrants"))
	g.Expect(b.text(g, "#copy-denied_console-readonly")).To(ContainSubstring("The password is not shown"))
	g.Expect(b.text(g, "#revoke-denied_console-readonly")).To(ContainSubstring("do not allow patch"))
	g.Expect(eval[string](g, b, `document.documentElement.outerHTML`)).NotTo(ContainSubstring(gr.password), "the page holds the password")
	g.Expect(b.text(g, "#grant_console-readonly .phase")).To(Equal("Active"), "the read-only user still sees the grant")
}
