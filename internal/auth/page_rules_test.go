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
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// The page rules are watched: a change applies without a restart, an invalid one keeps the last
// good rules and says so in an Event on the ConfigMap (docs/gateways.md#page-rules).
func TestPageRulesAreWatched(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "limited", func(sag *supportaccessv1alpha1.SupportAccessGrant) {
		sag.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelLimited
	})
	cookie := serviceA.browserLogin(t, grant)
	settings := func() int {
		return serviceA.forward(t, ns, http.MethodGet, "/settings/billing", cookie, nil).StatusCode
	}
	g.Expect(settings()).To(Equal(http.StatusOK))

	setRules := func(rules string) {
		cm := &corev1.ConfigMap{}
		g.Expect(k8s.Get(ctx, pageRulesKey, cm)).To(Succeed())
		cm.Data["rules.yaml"] = rules
		g.Expect(k8s.Update(ctx, cm)).To(Succeed())
	}
	t.Cleanup(func() { setRules(piiRules) })

	setRules("rules:\n- pathPrefix: /settings\n  accessLevel: Full\ndefault: Limited\n")
	g.Eventually(settings, eventually, poll).Should(Equal(http.StatusForbidden), "a new rule applies without a restart")
	g.Expect(serviceA.forward(t, ns, http.MethodGet, "/messages", cookie, nil).StatusCode).To(Equal(http.StatusOK))

	setRules("rules:\n- pathPrefix: /settings\n  accessLevel: Everything\n")
	g.Eventually(func() bool {
		list := &eventsv1.EventList{}
		if err := k8s.List(ctx, list, client.InNamespace(pageRulesKey.Namespace)); err != nil {
			return false
		}
		for _, e := range list.Items {
			if e.Regarding.Name == pageRulesKey.Name && e.Reason == "InvalidPageRules" {
				return true
			}
		}
		return false
	}, eventually, poll).Should(BeTrue(), "an invalid ConfigMap is reported")
	g.Expect(settings()).To(Equal(http.StatusForbidden), "the last good rules stay")
	g.Expect(serviceA.svc.pageRules.ReportedError()).NotTo(BeEmpty())
}

// Without page rules ever read, every page needs Full (fail closed for Limited).
func TestPageRulesFailClosed(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	limited := issueGrant(t, ns, "limited", func(sag *supportaccessv1alpha1.SupportAccessGrant) {
		sag.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelLimited
	})
	full := issueGrant(t, ns, "full", func(sag *supportaccessv1alpha1.SupportAccessGrant) {
		sag.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	})
	limitedCookie, fullCookie := serviceA.browserLogin(t, limited), serviceA.browserLogin(t, full)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	none, err := startService(ctx, restConfig, func(o *Options) { o.PageRules.Name = "no-such-configmap" })
	g.Expect(err).NotTo(HaveOccurred())
	defer none.stop()
	g.Eventually(func() int { return none.forward(t, ns, http.MethodGet, "/dashboard", fullCookie, nil).StatusCode }, eventually, poll).
		Should(Equal(http.StatusOK))
	g.Expect(none.forward(t, ns, http.MethodGet, "/dashboard", limitedCookie, nil).StatusCode).To(Equal(http.StatusForbidden))
}

// Envoy's path mode: a non-canonical original path is answered 400, not redirected to a cleaned
// path by the HTTP mux.
func TestForwardAuthPathModeRefusesNonCanonicalPaths(t *testing.T) {
	svc := &Service{forwardHeaders: ForwardHeadersPath, sessions: serviceA.svc.sessions, index: serviceA.svc.index,
		pageRules: serviceA.svc.pageRules, clock: clk, metrics: newAuthMetrics(), log: serviceA.svc.log}
	h := svc.Handler()
	for _, target := range []string{
		"/v1/forward-auth/acme/a/../messages", "/v1/forward-auth/acme//messages", "/v1/forward-auth/acme/%2e%2e/x",
		"/v1/forward-auth/acme/messages;x", "/v1/forward-auth/acme/m%65ssages",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", target, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/forward-auth/acme/messages", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("a canonical path without a session: status %d, want 401", rec.Code)
	}
}

// Forward auth costs what /tokenreview costs (docs/gateways.md#forward-auth-answers): no API call
// and a handful of allocations, most of them net/http's own (the recorder, the header map).
func TestForwardAuthAllocations(t *testing.T) {
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "full", func(sag *supportaccessv1alpha1.SupportAccessGrant) {
		sag.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	})
	cookie := serviceA.browserLogin(t, grant)
	h := serviceA.svc.Handler()
	req := httptest.NewRequest(http.MethodGet, ForwardAuthPath+ns, nil)
	req.Header.Set("X-Forwarded-Method", "GET")
	req.Header.Set("X-Forwarded-Uri", "/messages/42?page=2")
	req.Header.Set("Cookie", "theme=dark; "+CookieName+"="+cookie)
	var code int
	allocs := testing.AllocsPerRun(200, func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		code = rec.Code
	})
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	t.Logf("%.0f allocations per allowed forward-auth request (httptest's recorder included)", allocs)
	if allocs > 9 {
		t.Errorf("%.0f allocations per request, want at most 9", allocs)
	}
}

// The page rules' cache runs on every replica, not only on the leader: the manager starts a runnable
// that does not say so on the leader only. This replica never leads (another holds the lock).
func TestPageRulesOnAReplicaThatDoesNotLead(t *testing.T) {
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := newNamespace(t)
	lock := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "leader"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("another-replica"), LeaseDurationSeconds: ptr.To[int32](3600),
			AcquireTime: &metav1.MicroTime{Time: time.Now()}, RenewTime: &metav1.MicroTime{Time: time.Now()}},
	}
	g.Expect(k8s.Create(ctx, lock)).To(Succeed())
	standby, err := startServiceWith(ctx, restConfig, func(o *ctrl.Options) {
		o.LeaderElection, o.LeaderElectionID, o.LeaderElectionNamespace = true, lock.Name, ns
	})
	g.Expect(err).NotTo(HaveOccurred())
	defer standby.stop()
	g.Eventually(standby.svc.pageRules.Loaded, eventually, poll).Should(BeTrue(), "a replica that does not lead reads the page rules too")
	limited := issueGrant(t, ns, "limited", func(sag *supportaccessv1alpha1.SupportAccessGrant) {
		sag.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelLimited
	})
	cookie := serviceA.browserLogin(t, limited)
	g.Eventually(func() int { return standby.forward(t, ns, http.MethodGet, "/dashboard", cookie, nil).StatusCode }, eventually, poll).
		Should(Equal(http.StatusOK))
}
