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

package webhook

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// TestAdmissionAccepts pins what the webhooks must let through: the edges of each rule, and
// revocation whatever else the grant says.
func TestAdmissionAccepts(t *testing.T) {
	now := testClock.Now()
	set := func(kv ...any) func(map[string]any) {
		return func(s map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				s[kv[i].(string)] = kv[i+1]
			}
		}
	}
	tests := []admissionCase{
		{name: "renewedAt 4m in the future", gvk: grantGVK, spec: map[string]any{"renewedAt": at(now.Add(4 * time.Minute))}},
		{name: "duration at --max-grant-duration", gvk: grantGVK, spec: map[string]any{"duration": "720h"}},
		{name: "duration at the account's maxGrantDuration", gvk: grantGVK, spec: map[string]any{"duration": "24h"},
			prepare: withPolicy("caps", map[string]any{"maxGrantDuration": "24h"})},
		{name: "policy cap above the operator's: the operator's applies", gvk: grantGVK, spec: map[string]any{"duration": "720h"},
			prepare: withPolicy("caps", map[string]any{"maxGrantDuration": "1000h"})},
		{name: "renewal within the cap", gvk: grantGVK, initial: map[string]any{"duration": "24h"}, update: set("renewedAt", at(now))},
		{name: "renew and revoke at once, renewal far ahead", gvk: grantGVK, initial: map[string]any{},
			update: set("renewedAt", at(now.Add(time.Hour)), "revoked", true)},
		{name: "revoke a grant above a lowered cap", gvk: grantGVK, initial: map[string]any{"duration": "48h"},
			prepare: withPolicy("caps", map[string]any{"maxGrantDuration": "24h"}), update: set("revoked", true)},
		{name: "edit a grant above a lowered cap", gvk: grantGVK, initial: map[string]any{"duration": "48h"},
			prepare: withPolicy("caps", map[string]any{"maxGrantDuration": "24h"}), update: set("accessLevel", "Full", "reason", "T-2")},
		{name: "shorten a grant above a lowered cap", gvk: grantGVK, initial: map[string]any{"duration": "48h"},
			prepare: withPolicy("caps", map[string]any{"maxGrantDuration": "24h"}), update: set("duration", "12h")},
		{name: "edit a revoked grant's reason", gvk: grantGVK, initial: map[string]any{"revoked": true, "renewedAt": at(now)},
			update: set("reason", "closed")},
		{name: "edit the only policy", gvk: policyGVK, initial: map[string]any{}, update: set("inactivityTimeout", "15m")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, mode := range []string{modeOn, modePolicies} {
				NewWithT(t).Expect(send(t, tc, newNamespace(t, mode))).To(Succeed(), "refused in mode %s", mode)
			}
		})
	}
}

// TestBadRequestReadsLikeKubectl checks the whole message kubectl prints for a refused apply, on
// both admission paths.
func TestBadRequestReadsLikeKubectl(t *testing.T) {
	for mode, want := range map[string]string{
		modeOn: `admission webhook "vsupportaccessgrant-v1alpha1.supportaccess.io" denied the request: ` +
			`SupportAccessGrant.supportaccess.io "too-long" is invalid: spec.duration: Invalid value: "800h": must be at most 720h (the operator's limit)`,
		modePolicies: `supportaccessgrants.supportaccess.io "too-long" is forbidden: ValidatingAdmissionPolicy 'supportaccessgrant-operator-cap' ` +
			`with binding 'supportaccessgrant-operator-cap' denied request: spec.duration: Invalid value: "800h": must be at most 720h (the operator's limit)`,
	} {
		obj := newUnstructured(grantGVK, newNamespace(t, mode), "too-long", map[string]any{"duration": "800h"})
		NewWithT(t).Expect(k8s.Create(context.Background(), obj)).To(MatchError(want), "mode %s", mode)
	}
}
