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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// metricValue sums the series of family name whose labels include want.
func metricValue(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for k, v := range want {
				if !hasLabel(m, k, v) {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				total += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				total += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				total += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return total
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

func TestMetricsAndEventsOfLoginAndChecks(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "observed", nil)

	logins := metricValue(t, "supportaccess_auth_logins_total", map[string]string{"result": "success"})
	valid := metricValue(t, "supportaccess_auth_token_checks_total", map[string]string{"endpoint": "tokenreview", "result": "valid"})
	unknown := metricValue(t, "supportaccess_auth_token_checks_total", map[string]string{"endpoint": "tokenreview", "result": "unknown"})
	latency := metricValue(t, "supportaccess_auth_check_duration_seconds", map[string]string{"endpoint": "tokenreview"})

	token := loginEventually(t, serviceA, grant)
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue())
	g.Expect(serviceA.review(t, "sat_"+token[4:len(token)-1]+"x").Status.Authenticated).To(BeFalse())
	g.Expect(metricValue(t, "supportaccess_auth_active_sessions", nil)).To(BeNumerically(">=", 1))

	g.Expect(metricValue(t, "supportaccess_auth_logins_total", map[string]string{"result": "success"})).To(Equal(logins + 1))
	g.Expect(metricValue(t, "supportaccess_auth_token_checks_total", map[string]string{"endpoint": "tokenreview", "result": "valid"})).To(Equal(valid + 1))
	g.Expect(metricValue(t, "supportaccess_auth_token_checks_total", map[string]string{"endpoint": "tokenreview", "result": "unknown"})).To(Equal(unknown + 1))
	g.Expect(metricValue(t, "supportaccess_auth_check_duration_seconds", map[string]string{"endpoint": "tokenreview"})).To(Equal(latency + 2))

	status, _, _ := serviceA.call(t, http.MethodPost, "/v1/logout", token, nil)
	g.Expect(status).To(Equal(http.StatusNoContent))
	for _, reason := range []string{"Login", "Logout"} {
		g.Eventually(func() bool { return hasEvent(t, ns, "observed", reason) }, eventually, poll).Should(BeTrue(), "event %s", reason)
	}
}

func TestTheOldestPolicyApplies(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	// Two policies, as a race past the webhook (or webhooks off) could leave: the oldest wins.
	older := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "a-older"},
		Spec: supportaccessv1alpha1.AccountSessionPolicySpec{InactivityTimeout: supportaccessv1alpha1.InactivityTimeout15m}}
	g.Expect(k8s.Create(ctx, older)).To(Succeed())
	// creationTimestamp has one-second resolution: make sure the second one is newer.
	g.Eventually(func() bool { return time.Since(older.CreationTimestamp.Time) > time.Second }, eventually, 50*time.Millisecond).Should(BeTrue())
	newer := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "0-newer"},
		Spec: supportaccessv1alpha1.AccountSessionPolicySpec{InactivityTimeout: supportaccessv1alpha1.InactivityTimeout4h}}
	g.Expect(k8s.Create(ctx, newer)).To(Succeed())
	g.Eventually(func() time.Duration { return serviceA.svc.index.settings(ns).InactivityTimeout }, eventually, poll).Should(Equal(15 * time.Minute))
	g.Consistently(func() time.Duration { return serviceA.svc.index.settings(ns).InactivityTimeout }, 500*time.Millisecond, 50*time.Millisecond).Should(Equal(15 * time.Minute))

	g.Expect(k8s.Delete(ctx, older)).To(Succeed())
	g.Eventually(func() time.Duration { return serviceA.svc.index.settings(ns).InactivityTimeout }, eventually, poll).Should(Equal(4 * time.Hour))
}
