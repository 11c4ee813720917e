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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/supportaccess/support-access-operator/internal/session"
)

var (
	loginsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "supportaccess_auth_logins_total",
		Help: "Login attempts by result (success, invalid, throttled, bad_request, error).",
	}, []string{"result"})
	checksTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "supportaccess_auth_token_checks_total",
		Help: "Token checks by endpoint (tokenreview, session, logout, forward_auth) and result (valid, unknown, grant_invalid, " +
			"credentials_replaced, idle, lifetime, malformed, clock_skew, wrong_kind; forward_auth also other_account, limited).",
	}, []string{"endpoint", "result"})
	checkDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "supportaccess_auth_check_duration_seconds",
		Help:    "Server-side handling time of token checks, from request decoding to the written answer.",
		Buckets: []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1},
	}, []string{"endpoint"})
)

func init() {
	metrics.Registry.MustRegister(loginsTotal, checksTotal, checkDuration)
}

// authMetrics records the auth service's metrics without a map lookup per request for the common
// labels: those series are resolved once.
type authMetrics struct {
	tokenReviewValid   prometheus.Counter
	tokenReviewLatency prometheus.Observer
	forwardAuthValid   prometheus.Counter
	forwardAuthLatency prometheus.Observer
}

func newAuthMetrics() *authMetrics {
	return &authMetrics{
		tokenReviewValid:   checksTotal.WithLabelValues("tokenreview", resultValid),
		tokenReviewLatency: checkDuration.WithLabelValues("tokenreview"),
		forwardAuthValid:   checksTotal.WithLabelValues("forward_auth", resultValid),
		forwardAuthLatency: checkDuration.WithLabelValues("forward_auth"),
	}
}

func (m *authMetrics) login(result string) { loginsTotal.WithLabelValues(result).Inc() }

func (m *authMetrics) check(endpoint, result string, took time.Duration) {
	switch endpoint {
	case "tokenreview":
		m.hot(m.tokenReviewValid, m.tokenReviewLatency, endpoint, result, took)
		return
	case "forward_auth":
		m.hot(m.forwardAuthValid, m.forwardAuthLatency, endpoint, result, took)
		return
	}
	checksTotal.WithLabelValues(endpoint, result).Inc()
	checkDuration.WithLabelValues(endpoint).Observe(took.Seconds())
}

// hot records a check of a hot-path endpoint: its common series are resolved once.
func (m *authMetrics) hot(valid prometheus.Counter, latency prometheus.Observer, endpoint, result string, took time.Duration) {
	if result == resultValid {
		valid.Inc()
	} else {
		checksTotal.WithLabelValues(endpoint, result).Inc()
	}
	latency.Observe(took.Seconds())
}

// sessionCollector reports live sessions at scrape time from the store.
type sessionCollector struct {
	store *session.Store
	desc  *prometheus.Desc
}

func newSessionCollector(store *session.Store) *sessionCollector {
	return &sessionCollector{store: store, desc: prometheus.NewDesc("supportaccess_auth_active_sessions",
		"Login sessions known to this replica (Leases not yet deleted; idle ones until the janitor removes them).", nil, nil)}
}

func (c *sessionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sessionCollector) Collect(ch chan<- prometheus.Metric) {
	n := 0
	c.store.Range(func(*session.Session) bool { n++; return true })
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
