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

package controllers

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/keyring"
)

// grantTransitions counts the state changes announced as events (Issued, Renewed, Revoked,
// Expired, CredentialsReplaced, ...), labelled by the event's reason.
var grantTransitions = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "supportaccess_grant_transitions_total",
	Help: "State changes of SupportAccessGrants, by reason (Issued, Renewed, Revoked, Expired, ...).",
}, []string{"reason"})

func init() {
	metrics.Registry.MustRegister(grantTransitions)
}

// GrantCollector exposes, at scrape time (so nothing can drift or leak series of deleted grants), gauges computed from the cached grants: the number of
// grants by phase and access level, and each Active grant's expiry (as cert-manager does for
// certificates).
type GrantCollector struct {
	Reader  client.Reader
	Keyring *keyring.Keyring

	grants     *prometheus.Desc
	expiration *prometheus.Desc
	byKey      *prometheus.Desc
}

// NewGrantCollector returns a collector reading grants from reader (the manager's cache); ring
// tells which key each Active grant's login email was issued under.
func NewGrantCollector(reader client.Reader, ring *keyring.Keyring) *GrantCollector {
	return &GrantCollector{
		Reader:  reader,
		Keyring: ring,
		byKey: prometheus.NewDesc("supportaccess_active_grants_by_key",
			"Active SupportAccessGrants by the keyring key their login email was issued under (key_id \"none\": "+
				"not verifiable, fresh credentials due). A key with none is safe to retire once its sessions ended.",
			[]string{"key_id"}, nil),
		grants: prometheus.NewDesc("supportaccess_grants",
			"SupportAccessGrants by phase and access level.", []string{"phase", "access_level"}, nil),
		expiration: prometheus.NewDesc("supportaccess_grant_expiration_timestamp_seconds",
			"When an Active SupportAccessGrant's access ends, as a Unix timestamp.", []string{"namespace", "name", "access_level"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *GrantCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.grants
	ch <- c.expiration
	ch <- c.byKey
}

// Collect implements prometheus.Collector.
func (c *GrantCollector) Collect(ch chan<- prometheus.Metric) {
	list := &supportaccessv1alpha1.SupportAccessGrantList{}
	if err := c.Reader.List(context.Background(), list); err != nil {
		ch <- prometheus.NewInvalidMetric(c.grants, err)
		return
	}
	type key struct{ phase, level string }
	counts := map[key]int{}
	byKey := map[string]int{}
	for _, id := range c.Keyring.KeyIDs() {
		byKey[strconv.Itoa(id)] = 0 // every key held, so one no grant uses shows 0
	}
	for i := range list.Items {
		g := &list.Items[i]
		phase := string(g.Status.Phase)
		if phase == "" {
			phase = string(supportaccessv1alpha1.GrantPhasePending)
		}
		counts[key{phase, string(g.Spec.AccessLevel)}]++
		if g.Status.Phase == supportaccessv1alpha1.GrantPhaseActive && g.Status.ExpiresAt != nil {
			ch <- prometheus.MustNewConstMetric(c.expiration, prometheus.GaugeValue,
				float64(g.Status.ExpiresAt.Unix()), g.Namespace, g.Name, string(g.Spec.AccessLevel))
		}
		if g.Status.Phase == supportaccessv1alpha1.GrantPhaseActive {
			if id, ok := credentials.SigningKeyID(c.Keyring, g.UID, g.Status.LoginEmail); ok {
				byKey[strconv.Itoa(id)]++
			} else {
				byKey["none"]++
			}
		}
	}
	for id, n := range byKey {
		ch <- prometheus.MustNewConstMetric(c.byKey, prometheus.GaugeValue, float64(n), id)
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.grants, prometheus.GaugeValue, float64(n), k.phase, k.level)
	}
}
