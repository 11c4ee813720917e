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
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/authapi"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"

	"github.com/supportaccess/support-access-operator/internal/console"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// The console's users, ServiceAccounts of account A bound to the shipped account roles
// (config/rbac/account_console_roles.yaml): what an account's own admin and a read-only
// colleague hold. Their tokens come from the TokenRequest API.
const (
	consoleAdmin  = "console-admin"
	consoleViewer = "console-viewer"
)

// consoleUsers creates the two users once and returns their tokens by name.
var consoleUsers = sync.OnceValues(func() (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	roles := filepath.Join(testutil.RepoRoot(), "config", "rbac", "account_console_roles.yaml")
	if r := env.Kubectl(ctx, env.Cluster.KubeconfigPath, "", "", "apply", "-f", roles); r.Err != nil {
		return nil, errors.New(r.String())
	}
	tokens := map[string]string{}
	for user, role := range map[string]string{consoleAdmin: "account-admin", consoleViewer: "account-viewer"} {
		for _, args := range [][]string{
			{"create", "serviceaccount", user, "-n", accountA},
			{"create", "rolebinding", user, "-n", accountA, "--clusterrole", role, "--serviceaccount", accountA + ":" + user},
		} {
			if r := env.Kubectl(ctx, env.Cluster.KubeconfigPath, "", "", args...); r.Err != nil {
				return nil, errors.New(r.String())
			}
		}
		r := env.Kubectl(ctx, env.Cluster.KubeconfigPath, "", "", "create", "token", user, "-n", accountA, "--duration", "2h")
		if r.Err != nil {
			return nil, errors.New(r.String())
		}
		tokens[user] = strings.TrimSpace(r.Stdout)
		env.Secrets.RememberToken("a console user's", tokens[user])
	}
	return tokens, nil
})

// consoleServer is one `kubectl supportaccess console -n <account A>` for one user, served
// in-process: the same package, mode and handler the plugin wires up, with the user's
// credentials as their kubeconfig would hold them.
type consoleServer struct {
	startURL string
	origin   string
}

// startConsole starts a console acting as user; it stops with the test.
func startConsole(t *testing.T, user string) *consoleServer {
	t.Helper()
	requireRig(t)
	g := NewWithT(t)
	tokens, err := consoleUsers()
	g.Expect(err).NotTo(HaveOccurred(), "create the console's users")
	cfg := &rest.Config{
		Host:            env.APIServer,
		BearerToken:     tokens[user],
		TLSClientConfig: rest.TLSClientConfig{CAData: env.CAData},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	mode, err := console.NewLoopback(cfg, ln.Addr())
	g.Expect(err).NotTo(HaveOccurred())
	c, err := console.New(console.Options{Mode: mode, Namespace: accountA})
	g.Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- console.Serve(ctx, ln, c) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the console did not stop cleanly: %v", err)
		}
	})
	// The browser resolves localhost only (startBrowser's host-resolver-rules); the console answers
	// to localhost:<port> as to 127.0.0.1:<port>.
	local := strings.NewReplacer("://127.0.0.1:", "://localhost:")
	return &consoleServer{
		startURL: local.Replace(mode.StartURL("/accounts/" + accountA)),
		origin:   local.Replace("http://" + ln.Addr().String()),
	}
}

// openConsole opens the console's start link in b and returns the account's page.
func (b *tab) openConsole(g Gomega, c *consoleServer) page {
	p := b.open(g, c.startURL)
	g.ExpectWithOffset(1, p.Status).To(Equal(int64(http.StatusOK)), "the console's start link")
	g.ExpectWithOffset(1, p.path()).To(Equal("/accounts/"+accountA), "the start link leads to the account's page")
	return p
}

// allowClipboard lets the tab's pages on origin read and write the clipboard, as a user who
// accepts the browser's prompt does, and keeps the page focused (the clipboard needs focus).
func (b *tab) allowClipboard(g Gomega, origin string) {
	ctx, cancel := b.runCtx()
	defer cancel()
	id := chromedp.FromContext(b.ctx).BrowserContextID
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted,
			Origin: origin, BrowserContextID: id,
		})
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "grant %s", name)
	}
	_, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "emulate focus")
}

// clipboard reads the clipboard's text through the page, as a paste would.
func (b *tab) clipboard(g Gomega) string {
	ctx, cancel := b.runCtx()
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "read the clipboard")
	return text
}

// fakeClockJS replaces the page's clock before any script of the page runs: Date.now() is the
// real time plus window.__advance(ms)'s total, so a test moves the countdown by hours at once.
const fakeClockJS = `(() => {
  const real = Date.now.bind(Date);
  let offset = 0;
  Date.now = () => real() + offset;
  window.__advance = ms => { offset += ms; };
})()`

// injectClock installs fakeClockJS in every page the tab loads from now on.
func (b *tab) injectClock(g Gomega) {
	ctx, cancel := b.runCtx()
	defer cancel()
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: fakeClockJS})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "install the fake clock")
}

// eval evaluates a JavaScript expression in the tab's page and decodes its value.
func eval[T any](g Gomega, b *tab, expr string) T {
	ctx, cancel := b.runCtx()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "evaluate %s", expr)
	return v
}

// loginWith logs in at POST /v1/login with email and password, as kubectl supportaccess login does.
func loginWith(ctx context.Context, g Gomega, email, password string) authapi.LoginResponse {
	body, err := json.Marshal(authapi.LoginRequest{Email: email, Password: password})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, env.AuthURLs[0]+"/v1/login", bytes.NewReader(body))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	resp, err := direct.Do(req)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "POST /v1/login")
	defer resp.Body.Close()
	g.ExpectWithOffset(1, resp.StatusCode).To(Equal(http.StatusOK), "POST /v1/login with the copied credentials")
	var a authapi.LoginResponse
	g.ExpectWithOffset(1, json.NewDecoder(resp.Body).Decode(&a)).To(Succeed())
	g.ExpectWithOffset(1, a.Token).NotTo(BeEmpty())
	env.Secrets.RememberToken("a console test's API session", a.Token)
	return a
}

// axeSource is axe-core (testdata/axe-core, MPL-2.0), injected into pages for the accessibility check.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "axe-core", "axe.min.js"))
	return string(b), err
})

// clickLive clicks sel on a console page and returns the page it loads. A live update may
// replace the element between finding and clicking it (the page changed under the pointer, as
// it can for a person): that click is tried again, on the new element; any other error fails.
func (b *tab) clickLive(g Gomega, sel chromedp.CSS) page {
	ctx, cancel := b.runCtx()
	defer cancel()
	for {
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
		if err != nil && ctx.Err() == nil && strings.Contains(err.Error(), "Could not find node with given id") {
			continue
		}
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "click %s and wait for the next page (the tab is at %s)", sel, b.location())
		return b.readWith(g, 2, resp)
	}
}
