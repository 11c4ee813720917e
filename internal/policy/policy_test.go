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

package policy

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

var epoch = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

// asp builds a policy created at epoch+age; zero-valued strings and durations mean omitted.
func asp(name string, age time.Duration, inactivity supportaccessv1alpha1.InactivityTimeout, lifetime, maxGrant time.Duration) supportaccessv1alpha1.AccountSessionPolicy {
	p := supportaccessv1alpha1.AccountSessionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme", CreationTimestamp: metav1.Time{Time: epoch.Add(age)}},
		Spec:       supportaccessv1alpha1.AccountSessionPolicySpec{InactivityTimeout: inactivity},
	}
	if lifetime != 0 {
		p.Spec.MaxSessionLifetime = &metav1.Duration{Duration: lifetime}
	}
	if maxGrant != 0 {
		p.Spec.MaxGrantDuration = &metav1.Duration{Duration: maxGrant}
	}
	return p
}

func deleting(p supportaccessv1alpha1.AccountSessionPolicy) supportaccessv1alpha1.AccountSessionPolicy {
	p.DeletionTimestamp = &metav1.Time{Time: epoch}
	return p
}

func TestDefaults(t *testing.T) {
	want := Settings{InactivityTimeout: 30 * time.Minute, MaxSessionLifetime: 12 * time.Hour}
	if got := Defaults(); got != want {
		t.Fatalf("Defaults() = %+v, want %+v", got, want)
	}
	// The API's documented defaults must be the same values.
	if d, _ := supportaccessv1alpha1.DefaultInactivityTimeout.Duration(); d != DefaultInactivityTimeout {
		t.Errorf("api default inactivity %v, policy default %v", d, DefaultInactivityTimeout)
	}
	if d, _ := time.ParseDuration(supportaccessv1alpha1.DefaultMaxSessionLifetime); d != DefaultMaxSessionLifetime {
		t.Errorf("api default lifetime %v, policy default %v", d, DefaultMaxSessionLifetime)
	}
}

func TestEffective(t *testing.T) {
	tests := []struct {
		name     string
		policies []supportaccessv1alpha1.AccountSessionPolicy
		want     Settings
	}{
		{name: "no policy: defaults", want: Defaults()},
		{name: "omitted fields: defaults, named",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("p", 0, "", 0, 0)},
			want:     Settings{InactivityTimeout: 30 * time.Minute, MaxSessionLifetime: 12 * time.Hour, Policy: "p"}},
		{name: "every field set",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("p", 0, "1h", 8*time.Hour, 48*time.Hour)},
			want:     Settings{InactivityTimeout: time.Hour, MaxSessionLifetime: 8 * time.Hour, MaxGrantDuration: 48 * time.Hour, Policy: "p"}},
		{name: "oldest wins whatever the order",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("newer", time.Minute, "15m", 0, 0), asp("older", 0, "4h", 0, 0)},
			want:     Settings{InactivityTimeout: 4 * time.Hour, MaxSessionLifetime: 12 * time.Hour, Policy: "older"}},
		{name: "oldest wins over an earlier name",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("a", time.Second, "15m", 0, 0), asp("z", 0, "2h", 0, 0)},
			want:     Settings{InactivityTimeout: 2 * time.Hour, MaxSessionLifetime: 12 * time.Hour, Policy: "z"}},
		{name: "same second: name decides",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("b", 0, "2h", 0, 0), asp("a", 0, "1h", 0, 0)},
			want:     Settings{InactivityTimeout: time.Hour, MaxSessionLifetime: 12 * time.Hour, Policy: "a"}},
		{name: "policy being deleted is ignored",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{deleting(asp("old", 0, "15m", 0, 0)), asp("new", time.Hour, "8h", 0, 0)},
			want:     Settings{InactivityTimeout: 8 * time.Hour, MaxSessionLifetime: 12 * time.Hour, Policy: "new"}},
		{name: "only policy being deleted: defaults",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{deleting(asp("old", 0, "15m", 0, 0))},
			want:     Defaults()},
		{name: "unknown inactivity value falls back to the default",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("p", 0, "45m", 0, 0)},
			want:     Settings{InactivityTimeout: 30 * time.Minute, MaxSessionLifetime: 12 * time.Hour, Policy: "p"}},
		{name: "lifetime above 24h clamped",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("p", 0, "30m", 72*time.Hour, 0)},
			want:     Settings{InactivityTimeout: 30 * time.Minute, MaxSessionLifetime: 24 * time.Hour, Policy: "p"}},
		{name: "lifetime under 15m clamped",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("p", 0, "30m", time.Minute, 0)},
			want:     Settings{InactivityTimeout: 30 * time.Minute, MaxSessionLifetime: 15 * time.Minute, Policy: "p"}},
		{name: "non-positive durations mean omitted",
			policies: []supportaccessv1alpha1.AccountSessionPolicy{asp("p", 0, "30m", -time.Hour, -time.Hour)},
			want:     Settings{InactivityTimeout: 30 * time.Minute, MaxSessionLifetime: 12 * time.Hour, Policy: "p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Effective(tt.policies); got != tt.want {
				t.Fatalf("Effective() = %+v, want %+v", got, tt.want)
			}
			p := InForce(tt.policies)
			switch {
			case tt.want.Policy == "" && p != nil:
				t.Fatalf("InForce() = %s, want none", p.Name)
			case tt.want.Policy != "" && (p == nil || p.Name != tt.want.Policy):
				t.Fatalf("InForce() = %v, want %s", p, tt.want.Policy)
			}
		})
	}
}

func TestEffectiveDoesNotAllocate(t *testing.T) {
	policies := []supportaccessv1alpha1.AccountSessionPolicy{asp("b", time.Second, "1h", 8*time.Hour, 0), asp("a", 0, "2h", 0, 48*time.Hour)}
	if n := testing.AllocsPerRun(100, func() { _ = Effective(policies) }); n != 0 {
		t.Fatalf("Effective allocates %.0f times per call, want 0 (the auth service calls it per request)", n)
	}
}

func TestGrantCap(t *testing.T) {
	tests := []struct {
		name         string
		policyMax    time.Duration
		operatorMax  time.Duration
		want         time.Duration
		wantByPolicy bool
	}{
		{name: "no policy cap: operator flag", operatorMax: 720 * time.Hour, want: 720 * time.Hour},
		{name: "lower policy cap wins", policyMax: 24 * time.Hour, operatorMax: 720 * time.Hour, want: 24 * time.Hour, wantByPolicy: true},
		{name: "higher policy cap: operator flag still applies", policyMax: 2000 * time.Hour, operatorMax: 720 * time.Hour, want: 720 * time.Hour},
		{name: "equal caps: the operator flag is named", policyMax: 720 * time.Hour, operatorMax: 720 * time.Hour, want: 720 * time.Hour},
		{name: "no operator cap: policy", policyMax: 24 * time.Hour, want: 24 * time.Hour, wantByPolicy: true},
		{name: "no cap at all", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Defaults()
			s.MaxGrantDuration = tt.policyMax
			got, byPolicy := GrantCap(s, tt.operatorMax)
			if got != tt.want || byPolicy != tt.wantByPolicy {
				t.Fatalf("GrantCap() = %v, %v; want %v, %v", got, byPolicy, tt.want, tt.wantByPolicy)
			}
		})
	}
}
