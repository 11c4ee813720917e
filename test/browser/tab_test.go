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
	"bytes"
	"context"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// cookieName is the browser session's cookie (docs/reference.md#browser-sessions).
const cookieName = "__Host-supportaccess"

// tab is one browser tab in a browser context of its own: its own cookie jar, as a fresh
// incognito window, so that no test sees another's session.
type tab struct {
	t   *testing.T
	ctx context.Context
}

// newTab opens a tab in a new browser context of the suite's browser; it closes with the test
// (the browser context is disposed of with it). A failing test logs where its tab was.
func newTab(t *testing.T) *tab {
	t.Helper()
	requireRig(t)
	ctx, cancel := chromedp.NewContext(web.browser, chromedp.WithNewBrowserContext())
	b := &tab{t: t, ctx: ctx}
	// The first Do creates the browser context and the tab, and ties them to ctx: no deadline on
	// it, a bounded wait instead. Every tab has the screenshots' viewport.
	open := func() error { return chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight)) }
	if err := bounded(actionTimeout, open); err != nil {
		cancel()
		t.Fatalf("open a tab in a new browser context: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b.report()
		}
		cancel()
	})
	return b
}

// page is what a loaded page shows, read from its elements.
type page struct {
	// Status is the HTTP status of the document, after any redirects; 0 when not navigated.
	Status int64  `json:"-"`
	URL    string `json:"url"`
	// Title, Message, Notice, Error and ReturnTo are the auth service's pages': the login page
	// (#title "Support login", #notice, #error, the form's rd) and the refusal page (#title and
	// #message).
	Title    string `json:"title"`
	Message  string `json:"message"`
	Notice   string `json:"notice"`
	Error    string `json:"error"`
	ReturnTo string `json:"returnTo"`
	// PageTitle and Identity are the demo app's: the page's heading, and what the gateway told
	// the app, by lower-cased header name ("x-supportaccess-access-level"). Records counts the
	// rows of a personal-data page's table.
	PageTitle string            `json:"pageTitle"`
	Identity  map[string]string `json:"identity"`
	Records   int               `json:"records"`
}

// readPageJS reads a page of the auth service or of the demo app; an element a page lacks reads "".
const readPageJS = `(() => {
  const text = id => { const e = document.getElementById(id); return e ? e.textContent.trim() : ""; };
  const identity = {};
  for (const td of document.querySelectorAll('#identity td[id^="identity-"]')) {
    identity[td.id.slice("identity-".length)] = td.textContent.trim();
  }
  const rd = document.querySelector('#login input[name="rd"]');
  return {
    url: location.href, title: text("title"), message: text("message"), notice: text("notice"),
    error: text("error"), returnTo: rd ? rd.value : "", pageTitle: text("page-title"), identity,
    records: document.querySelectorAll("#records tbody tr").length,
  };
})()`

// loginTitle is the login page's heading.
const loginTitle = "Support login"

// onLoginPage reports whether p is the login page on the gateway's host.
func (p page) onLoginPage() bool {
	return p.path() == "/.supportaccess/login" && p.Title == loginTitle
}

// path is the page's URL path; query is its query.
func (p page) path() string {
	u, err := url.Parse(p.URL)
	if err != nil {
		return ""
	}
	return u.Path
}

func (p page) query() url.Values {
	u, err := url.Parse(p.URL)
	if err != nil {
		return nil
	}
	return u.Query()
}

// host is the page's URL host:port.
func (p page) host() string {
	u, err := url.Parse(p.URL)
	if err != nil {
		return ""
	}
	return u.Host
}

// accessLevel is the access level the gateway told the app.
func (p page) accessLevel() string { return p.Identity["x-supportaccess-access-level"] }

// runCtx is a context for one action of the tab, bounded by actionTimeout.
func (b *tab) runCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, actionTimeout)
}

// do runs actions that return nothing, such as waiting for an element or typing into it.
func (b *tab) do(g Gomega, what string, actions ...chromedp.Action[chromedp.Void]) {
	ctx, cancel := b.runCtx()
	defer cancel()
	err := chromedp.Do(ctx, actions...)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s (the tab is at %s)", what, b.location())
}

// open navigates to rawURL, follows the redirects as a browser does, and returns the loaded page.
func (b *tab) open(g Gomega, rawURL string) page {
	ctx, cancel := b.runCtx()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(rawURL))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "navigate to %s (the tab is at %s)", rawURL, b.location())
	return b.readWith(g, 2, resp)
}

// click clicks the element that sel finds, waits for the page it loads and returns it.
func (b *tab) click(g Gomega, sel chromedp.CSS) page {
	ctx, cancel := b.runCtx()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "click %s and wait for the next page (the tab is at %s)", sel, b.location())
	return b.readWith(g, 2, resp)
}

// read returns the page the tab shows now, without its HTTP status.
func (b *tab) read(g Gomega) page { return b.readWith(g, 2, nil) }

func (b *tab) readWith(g Gomega, offset int, resp *network.Response) page {
	ctx, cancel := b.runCtx()
	defer cancel()
	p, err := chromedp.Run(ctx, chromedp.Evaluate[page](readPageJS))
	g.ExpectWithOffset(offset, err).NotTo(HaveOccurred(), "read the page")
	if resp != nil {
		p.Status = resp.Status
	}
	return p
}

// logIn fills in the login form the tab shows with gr's credentials, submits it and returns the
// page the browser lands on. The form is waited for, not assumed.
func (b *tab) logIn(g Gomega, gr grant) page {
	b.do(g, "fill in the login form",
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.Clear(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), gr.email),
		chromedp.SendKeys(chromedp.CSS("#password"), gr.password),
	)
	p := b.click(g, "#submit")
	// Whatever the test does next, the leak check knows the session's token. Cookies ignore the
	// port, so one gateway URL stands for all.
	b.sessionCookie(g, web.caddyA())
	return p
}

// openAndLogIn opens rawURL without a session, expects the login page and logs in as gr.
func (b *tab) openAndLogIn(g Gomega, rawURL string, gr grant) page {
	p := b.open(g, rawURL)
	g.ExpectWithOffset(1, p.onLoginPage()).To(BeTrue(), "%s without a session should be the login page, is %+v", rawURL, p)
	return b.logIn(g, gr)
}

// sessionCookie returns the tab's session cookie for siteURL, reading it as only the browser
// itself can (it is HttpOnly); ok is false when the browser has none. Its token is remembered for
// the leak check.
func (b *tab) sessionCookie(g Gomega, siteURL string) (cookie *network.Cookie, ok bool) {
	ctx, cancel := b.runCtx()
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{siteURL}})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "read the browser's cookies")
	for _, c := range res.Cookies {
		if c.Name == cookieName {
			env.Secrets.RememberToken("a browser session's", c.Value)
			return c, true
		}
	}
	return nil, false
}

// sessionToken is the tab's session token for siteURL, which must be there.
func (b *tab) sessionToken(g Gomega, siteURL string) string {
	c, ok := b.sessionCookie(g, siteURL)
	g.ExpectWithOffset(1, ok).To(BeTrue(), "the browser holds no %s cookie for %s", cookieName, siteURL)
	return c.Value
}

// setSessionCookie puts token back into the browser as the session cookie, as someone who kept a
// copy would.
func (b *tab) setSessionCookie(g Gomega, siteURL, token string) {
	ctx, cancel := b.runCtx()
	defer cancel()
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
		Name: cookieName, Value: token, URL: siteURL, Path: "/",
		Secure: new(true), HTTPOnly: new(true), SameSite: network.CookieSameSiteLax,
	})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "set the session cookie")
}

// setExtraHeaders makes the browser send headers with every request of the tab.
func (b *tab) setExtraHeaders(g Gomega, headers map[string]string) {
	h := network.Headers{}
	for k, v := range headers {
		h[k] = v
	}
	ctx, cancel := b.runCtx()
	defer cancel()
	_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: h})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "set the extra request headers")
}

// text is the text of the element sel finds, once it is there: for what changes after the load.
func (b *tab) text(g Gomega, sel chromedp.CSS) string {
	ctx, cancel := b.runCtx()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(sel))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "read %s", sel)
	return strings.TrimSpace(s)
}

// location is where the tab is, for failure messages; it does not fail.
func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return loc
}

// report logs, for a failed test, where its tab is and what it shows, and saves a screenshot to
// $ARTIFACTS when set. The pages show no secret (no password, no token).
func (b *tab) report() {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		text = "(unreadable: " + err.Error() + ")"
	}
	if len(text) > 2000 {
		text = text[:2000] + "…"
	}
	b.t.Logf("the tab is at %s and shows:\n%s", b.location(), text)
	if dir := os.Getenv("ARTIFACTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			name := "browser-failed-" + strings.ReplaceAll(b.t.Name(), "/", "-") + ".png"
			_ = os.MkdirAll(dir, 0o755)
			_ = os.WriteFile(filepath.Join(dir, name), shot, 0o644)
		}
	}
}

// screenshot captures the tab's viewport as a PNG. With UPDATE_SCREENSHOTS=1 it replaces
// docs/images/<name>, the screenshots the docs show; otherwise it goes only to $ARTIFACTS, when
// set: a normal run never rewrites a committed file.
func (b *tab) screenshot(g Gomega, name string) {
	ctx, cancel := b.runCtx()
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "capture %s", name)
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s is not a PNG", name)
	g.ExpectWithOffset(1, []int{cfg.Width, cfg.Height}).To(Equal([]int{viewportWidth, viewportHeight}), "%s's size", name)
	var path string
	switch {
	case os.Getenv("UPDATE_SCREENSHOTS") == "1":
		path = filepath.Join(testutil.RepoRoot(), "docs", "images", name)
	case os.Getenv("ARTIFACTS") != "":
		path = filepath.Join(os.Getenv("ARTIFACTS"), "browser-screenshots", name)
	default:
		return
	}
	g.ExpectWithOffset(1, os.MkdirAll(filepath.Dir(path), 0o755)).To(Succeed())
	g.ExpectWithOffset(1, os.WriteFile(path, shot, 0o644)).To(Succeed(), "write %s", path)
	b.t.Logf("screenshot %s written", path)
}
