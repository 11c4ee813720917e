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
	"testing"

	. "github.com/onsi/gomega"
)

// TestNginx: the documented nginx configuration (auth_request, and error_page turning the auth
// service's 401 into the login redirect) in front of A's app, with replica 2 reading nginx's
// "original" header set. A navigation without a session reaches the login page with the return URL
// kept, query and all; a Limited login returns there; the dashboard is let through with the
// session's identity (whatever identity the client sends itself); personal-data pages get the
// auth service's 403 page; the logout button works through nginx too.
func TestNginx(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	gr := newGrant(t, accountA, "nginx-limited", "Limited")
	b := newTab(t)
	host := hostOf(g, web.nginxA())
	b.setExtraHeaders(g, spoofedHeaders)

	p := b.open(g, web.nginxA()+"/settings?tab=profile")
	g.Expect(p.onLoginPage()).To(BeTrue(), "/settings without a session through nginx: the login page, got %+v", p)
	g.Expect(p.host()).To(Equal(host), "nginx's redirect keeps the browser on its host")
	g.Expect(p.Status).To(BeEquivalentTo(http.StatusOK))
	g.Expect(p.query().Get("rd")).To(Equal("/settings?tab=profile"), "the login URL's return path")
	g.Expect(p.ReturnTo).To(Equal("/settings?tab=profile"), "the form's return path")

	p = b.logIn(g, gr)
	expectAppPage(g, p, host, "Settings", gr)
	g.Expect(p.query().Get("tab")).To(Equal("profile"), "back on the very page asked for: %s", p.URL)

	expectAppPage(g, b.open(g, web.nginxA()+"/dashboard"), host, "Dashboard", gr)
	for _, pii := range piiPages {
		p := b.open(g, web.nginxA()+pii.path)
		expectRefusedForLimited(g, p, pii.path)
		g.Expect(p.host()).To(Equal(host))
	}

	b.open(g, web.nginxA()+"/dashboard") // the app's page, with its logout button
	p = b.click(g, "#logout button")
	g.Expect(p.onLoginPage()).To(BeTrue(), "after the logout through nginx: the login page, got %+v", p)
	g.Expect(p.Notice).To(Equal(loggedOutNotice))
	g.Expect(b.open(g, web.nginxA()+"/dashboard").onLoginPage()).To(BeTrue(), "after the logout, the dashboard needs a login again")
}
