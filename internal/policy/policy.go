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

// Package policy computes the session settings in force in one account (namespace) from its
// AccountSessionPolicies. It is pure and makes no API calls: the auth service calls it on every
// login and token check, the admission webhook on every grant, the policy controller on every
// reconcile, and all three must agree on which policy wins.
package policy

import (
	"fmt"
	"time"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// Defaults and bounds of the settings: the API's own (api/v1alpha1, where the CRD schema and the
// webhooks read them), as durations, so that there is one definition of each.
var (
	// DefaultInactivityTimeout applies with no policy, or when the policy omits the field.
	DefaultInactivityTimeout = mustDuration(string(supportaccessv1alpha1.DefaultInactivityTimeout))
	// DefaultMaxSessionLifetime applies with no policy, or when the policy omits the field.
	DefaultMaxSessionLifetime = mustDuration(supportaccessv1alpha1.DefaultMaxSessionLifetime)
	// MinMaxSessionLifetime and MaxMaxSessionLifetime bound a policy's maxSessionLifetime.
	MinMaxSessionLifetime = mustDuration(supportaccessv1alpha1.MinMaxSessionLifetime)
	MaxMaxSessionLifetime = mustDuration(supportaccessv1alpha1.MaxMaxSessionLifetime)
)

// mustDuration parses a built-in duration of the API; a bad one is a bug caught at start-up.
func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(fmt.Sprintf("api/v1alpha1 duration %q: %v", s, err))
	}
	return d
}

// Settings are the session rules of one account.
type Settings struct {
	// InactivityTimeout ends a session after this long without activity.
	InactivityTimeout time.Duration
	// MaxSessionLifetime ends a session this long after login, however active.
	MaxSessionLifetime time.Duration
	// MaxGrantDuration caps SupportAccessGrant spec.duration in the account; 0 means unset, and
	// the operator's --max-grant-duration alone applies.
	MaxGrantDuration time.Duration
	// Policy is the name of the AccountSessionPolicy in force; "" means none (the defaults).
	Policy string
}

// Defaults returns the settings of an account without a policy.
func Defaults() Settings {
	return Settings{InactivityTimeout: DefaultInactivityTimeout, MaxSessionLifetime: DefaultMaxSessionLifetime}
}

// Effective returns the settings in force given every AccountSessionPolicy of one namespace: those
// of the oldest policy (see InForce), with defaults for the fields it omits; the defaults when
// there is none.
func Effective(policies []supportaccessv1alpha1.AccountSessionPolicy) Settings {
	p := InForce(policies)
	if p == nil {
		return Defaults()
	}
	return Of(p)
}

// InForce returns the policy that applies among every AccountSessionPolicy of one namespace: the
// oldest by creationTimestamp, then by name, so every replica and component picks the same one
// whatever order a list returns. Policies being deleted are ignored: their deletion is already
// decided. It returns a pointer into policies, or nil when none applies.
func InForce(policies []supportaccessv1alpha1.AccountSessionPolicy) *supportaccessv1alpha1.AccountSessionPolicy {
	var oldest *supportaccessv1alpha1.AccountSessionPolicy
	for i := range policies {
		p := &policies[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		if oldest == nil || olderThan(p, oldest) {
			oldest = p
		}
	}
	return oldest
}

// olderThan orders policies by creation time; equal times (the API's resolution is one second)
// fall back to the name, which is unique within a namespace.
func olderThan(a, b *supportaccessv1alpha1.AccountSessionPolicy) bool {
	at, bt := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !at.Equal(bt) {
		return at.Before(bt)
	}
	return a.Name < b.Name
}

// Of returns the settings one policy asks for, with defaults for the fields it omits. The schema
// refuses out-of-range values; should one be stored anyway (an object written before a rule
// existed), the result errs on the strict side: an unknown inactivity timeout means the default,
// and the lifetime is clamped to its bounds.
func Of(p *supportaccessv1alpha1.AccountSessionPolicy) Settings {
	s := Defaults()
	s.Policy = p.Name
	if d, ok := p.Spec.InactivityTimeout.Duration(); ok {
		s.InactivityTimeout = d
	}
	if l := p.Spec.MaxSessionLifetime; l != nil && l.Duration > 0 {
		s.MaxSessionLifetime = min(max(l.Duration, MinMaxSessionLifetime), MaxMaxSessionLifetime)
	}
	if m := p.Spec.MaxGrantDuration; m != nil && m.Duration > 0 {
		s.MaxGrantDuration = m.Duration
	}
	return s
}

// GrantCap returns the longest spec.duration a new or renewed grant may have in an account with
// settings s, given the operator's --max-grant-duration (0: no operator cap), and whether the
// account's policy (rather than the operator flag) sets it. A zero cap means no limit.
func GrantCap(s Settings, operatorMax time.Duration) (limit time.Duration, byPolicy bool) {
	limit = operatorMax
	if s.MaxGrantDuration > 0 && (limit <= 0 || s.MaxGrantDuration < limit) {
		return s.MaxGrantDuration, true
	}
	return limit, false
}
