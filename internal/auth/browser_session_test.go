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
	"net/http"
	"net/url"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// A browser session's inactivity clock moves on navigations and state-changing requests only, so
// an open tab that polls in the background still idles out (docs/reference.md#browser-sessions).
func TestBrowserActivity(t *testing.T) {
	navigate := map[string]string{"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
	background := map[string]string{"Sec-Fetch-Mode": "cors", "Accept": "*/*"}
	tests := []struct {
		name string
		// between is what the tab sends at 60% of the timeout; the check at 120% tells whether
		// it counted as activity.
		method, uri string
		header      map[string]string
		keepsAlive  bool
	}{
		{"a navigation", http.MethodGet, "/dashboard", navigate, true},
		{"a form post", http.MethodPost, "/settings", background, true},
		{"a background poll", http.MethodGet, "/api/ping", background, false},
		{"an asset", http.MethodGet, "/assets/app.css", map[string]string{"Sec-Fetch-Mode": "no-cors"}, false},
		{"a HEAD", http.MethodHead, "/dashboard", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			clk.SetTime(time.Now())
			ns := newNamespace(t)
			setPolicy(t, ns, supportaccessv1alpha1.InactivityTimeout15m, 0)
			grant := issueGrant(t, ns, "tab", nil)
			cookie := serviceA.browserLogin(t, grant)

			clk.Step(9 * time.Minute)
			g.Expect(serviceA.forward(t, ns, tt.method, tt.uri, cookie, tt.header).StatusCode).To(Equal(http.StatusOK))
			clk.Step(9 * time.Minute)
			p := serviceA.forward(t, ns, http.MethodGet, "/dashboard", cookie, navigate)
			if tt.keepsAlive {
				g.Expect(p.StatusCode).To(Equal(http.StatusOK), "%s is activity", tt.name)
				return
			}
			g.Expect(p.StatusCode).To(Equal(http.StatusFound), "%s is no activity: the tab idled out", tt.name)
			g.Expect(p.Header.Get("Location")).To(Equal(loginPath + "?" + url.Values{"rd": {"/dashboard"}, "reason": {"idle"}}.Encode()))

			// The login page says why, with the account's timeout, and returns to the page.
			loginPage := mustRequest(t, http.MethodGet, serviceA.url+p.Header.Get("Location"))
			loginPage.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
			shown := serviceA.do(t, loginPage)
			g.Expect(shown.body).To(ContainSubstring("Your session ended after 15 minutes of inactivity"))
			g.Expect(shown.body).To(ContainSubstring(`name="rd" value="/dashboard"`))
			// The same credentials log in again.
			again := serviceA.postLoginForm(t, grant.email, grant.password, "/dashboard")
			g.Expect(again.StatusCode).To(Equal(http.StatusSeeOther))
			g.Expect(again.Header.Get("Location")).To(Equal("/dashboard"))
		})
	}
}

// Logout, revocation, expiry and a deleted Lease refuse the very next request, on every replica
// (docs/gateways.md#forward-auth-answers: every answer is live).
func TestBrowserAccessEnds(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	navigate := map[string]string{"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "web", nil)
	serviceB, err := startService(ctx, restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	defer serviceB.stop()

	t.Run("logout", func(t *testing.T) {
		g := NewWithT(t)
		cookie := serviceA.browserLogin(t, grant)
		g.Eventually(func() int { return serviceB.forward(t, ns, "GET", "/dashboard", cookie, navigate).StatusCode }, eventually, poll).
			Should(Equal(http.StatusOK), "a login on one replica is valid on the other")
		req, _ := http.NewRequest(http.MethodPost, serviceA.url+logoutPath, nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
		p := serviceA.do(t, req)
		g.Expect(p.StatusCode).To(Equal(http.StatusSeeOther))
		g.Expect(p.Header.Get("Location")).To(Equal(loginPath + "?rd=%2F&reason=logout"))
		cleared := p.Header.Get("Set-Cookie")
		g.Expect(cleared).To(HavePrefix(CookieName + "=;"))
		g.Expect(cleared).To(ContainSubstring("Max-Age=0"))
		g.Expect(serviceA.forward(t, ns, "GET", "/dashboard", cookie, navigate).StatusCode).To(Equal(http.StatusFound))
		g.Eventually(func() int { return serviceB.forward(t, ns, "GET", "/dashboard", cookie, navigate).StatusCode }, eventually, poll).
			Should(Equal(http.StatusFound), "logged out on the other replica too")
		g.Expect(serviceB.forward(t, ns, "GET", "/dashboard", cookie, navigate).Header.Get("Location")).NotTo(ContainSubstring("reason=ended"))
		g.Eventually(func() bool { return hasEvent(t, ns, "web", "Logout") }, eventually, poll).Should(BeTrue())
	})

	t.Run("a deleted Lease", func(t *testing.T) {
		g := NewWithT(t)
		cookie := serviceA.browserLogin(t, grant)
		lease := &coordinationv1.Lease{}
		lease.Namespace, lease.Name = ns, serviceA.leaseNameOf(cookie)
		g.Expect(k8s.Delete(ctx, lease)).To(Succeed())
		for _, s := range []*testService{serviceA, serviceB} {
			g.Eventually(func() int { return s.forward(t, ns, "GET", "/dashboard", cookie, navigate).StatusCode }, eventually, poll).
				Should(Equal(http.StatusFound))
			g.Expect(s.forward(t, ns, "GET", "/dashboard", cookie, navigate).Header.Get("Location")).
				To(Equal(loginPath+"?rd=%2Fdashboard"), "an admin's kill: log in again, access has not ended")
		}
	})

	t.Run("revoked", func(t *testing.T) {
		g := NewWithT(t)
		cookie := serviceA.browserLogin(t, grant)
		cur := &supportaccessv1alpha1.SupportAccessGrant{}
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(grant.grant), cur)).To(Succeed())
		cur.Spec.Revoked = true
		g.Expect(k8s.Update(ctx, cur)).To(Succeed())
		for _, s := range []*testService{serviceA, serviceB} {
			g.Eventually(func() string { return s.forward(t, ns, "GET", "/messages", cookie, navigate).Header.Get("Location") }, eventually, poll).
				Should(Equal(loginPath + "?rd=%2Fmessages&reason=ended"))
		}
		// The controller then deletes the grant's sessions: the page still says access ended.
		lease := &coordinationv1.Lease{}
		lease.Namespace, lease.Name = ns, serviceA.leaseNameOf(cookie)
		g.Expect(k8s.Delete(ctx, lease)).To(Succeed())
		g.Eventually(func() bool { _, ok := serviceB.svc.sessions.Lookup(session.HashToken(cookie)); return ok }, eventually, poll).Should(BeFalse())
		p := serviceB.forward(t, ns, "GET", "/messages", cookie, navigate)
		g.Expect(p.Header.Get("Location")).To(Equal(loginPath + "?rd=%2Fmessages&reason=ended"))
		shown := serviceB.do(t, mustRequest(t, http.MethodGet, serviceB.url+p.Header.Get("Location")))
		g.Expect(shown.body).To(ContainSubstring("This support access has ended"))
	})

	t.Run("expired", func(t *testing.T) {
		g := NewWithT(t)
		expiring := issueGrant(t, ns, "short", func(sag *supportaccessv1alpha1.SupportAccessGrant) {
			sag.Spec.Duration = &metav1.Duration{Duration: time.Hour}
		})
		cookie := serviceA.browserLogin(t, expiring)
		g.Expect(serviceA.forward(t, ns, "GET", "/dashboard", cookie, navigate).StatusCode).To(Equal(http.StatusOK))
		// The window ends an hour after the grant's creation, a moment after the fake clock was set:
		// step past it. The session is idle by then too; the grant's end is checked first.
		clk.Step(time.Hour + 5*time.Second)
		p := serviceA.forward(t, ns, "GET", "/dashboard", cookie, navigate)
		g.Expect(p.StatusCode).To(Equal(http.StatusFound), "expiry is decided at the check, not by the controller")
		g.Expect(p.Header.Get("Location")).To(HaveSuffix("reason=ended"))
	})
}
