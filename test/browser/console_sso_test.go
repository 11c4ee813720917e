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
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
)

// ssoConsoleURL is replica 1's console (--console-bind-address), by the name the browser resolves.
func ssoConsoleURL() string {
	return "http://" + strings.Replace(consoleAddr, "127.0.0.1:", "localhost:", 1)
}

// The console the manager serves in-cluster, behind the platform's SSO proxy: the proxy passes
// each user's Kubernetes token in Authorization (here the tab adds it to every request, as the
// proxy would), and the console acts with that token alone, never the manager's ServiceAccount.
func TestConsoleBehindSSOProxy(t *testing.T) {
	g := NewWithT(t)
	requireRig(t)
	tokens, err := consoleUsers()
	g.Expect(err).NotTo(HaveOccurred())
	gr := newGrant(t, accountA, "console-sso", "Limited")
	page := ssoConsoleURL() + "/accounts/" + accountA

	// Without the proxy's header: 401.
	anonymous := newTab(t)
	p := anonymous.open(g, page)
	g.Expect(p.Status).To(Equal(int64(http.StatusUnauthorized)), "the console without a bearer token")

	// The account admin: the page as in the plugin's mode, and the operator's cap known here.
	admin := newTab(t)
	admin.setExtraHeaders(g, map[string]string{"Authorization": "Bearer " + tokens[consoleAdmin]})
	p = admin.open(g, page)
	g.Expect(p.Status).To(Equal(int64(http.StatusOK)))
	g.Expect(admin.text(g, ".who")).To(ContainSubstring("system:serviceaccount:" + accountA + ":" + consoleAdmin))
	g.Expect(admin.text(g, "#grant_console-sso .password")).To(Equal(gr.password), "the admin may read the Secret")
	g.Expect(eval[bool](g, admin, `document.querySelector('#duration option[value="720h"]').disabled`)).To(BeTrue(),
		"30 days is above the operator's limit")
	g.Expect(admin.text(g, `#duration option[value="720h"]`)).To(ContainSubstring("longer than the operator allows (" + operatorMaxGrantDuration + ")"))

	// A read-only user whose browser forces the disabled Generate button: kube-apiserver refuses
	// the create as that user, which the page shows. With the manager's own credentials it would
	// have been created.
	viewer := newTab(t)
	viewer.setExtraHeaders(g, map[string]string{"Authorization": "Bearer " + tokens[consoleViewer]})
	p = viewer.open(g, page)
	g.Expect(p.Status).To(Equal(int64(http.StatusOK)))
	g.Expect(eval[string](g, viewer, `document.documentElement.outerHTML`)).NotTo(ContainSubstring(gr.password))
	ctx, cancel := viewer.runCtx()
	submit := chromedp.Evaluate[bool](`document.querySelector('#generate').closest('form').submit(), true`)
	resp, err := chromedp.RunResponse(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := submit(ctx, t)
		return err
	}))
	cancel()
	g.Expect(err).NotTo(HaveOccurred(), "submit the Generate form")
	g.Expect(resp.Status).To(Equal(int64(http.StatusForbidden)), "kube-apiserver's answer to the read-only user")
	g.Expect(viewer.text(g, "#messages .error")).To(ContainSubstring(`"system:serviceaccount:` + accountA + ":" + consoleViewer + `" cannot create resource "supportaccessgrants"`))
}
