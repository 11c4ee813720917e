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
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// admissionCase is one bad object or update, sent through kube-apiserver.
type admissionCase struct {
	name string
	gvk  schema.GroupVersionKind
	// initial, for an update, is the spec created first; nil means a create of spec.
	initial map[string]any
	spec    map[string]any
	update  func(spec map[string]any)
	// prepare runs just before the request under test (after initial is created).
	prepare func(t *testing.T, ns string)
	// wantField and wantMsg describe the refusal with the webhooks on.
	wantField, wantMsg string
	// by is who refuses it (docs/validation.md's "Where" column).
	by refuser
}

// refuser is where a rule lives.
type refuser int

const (
	// bySchema: the CRD schema refuses it, whatever admission is installed.
	bySchema refuser = iota
	// byAdmission: the webhooks and the admission policies refuse it with the same field error;
	// the schema alone accepts it.
	byAdmission
	// byClock: only the webhooks refuse it, because it needs the time, which the policies' CEL
	// does not have; the controller gives such a grant no access before its time
	// (controllers' TestRenewalFarInTheFutureGivesNoAccess).
	byClock
)

func at(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// withPolicy creates an AccountSessionPolicy named name with spec and waits until the webhooks'
// cache holds it, as an account would have had it for a while.
func withPolicy(name string, spec map[string]any) func(t *testing.T, ns string) {
	return func(t *testing.T, ns string) {
		t.Helper()
		if err := k8s.Create(context.Background(), newUnstructured(policyGVK, ns, name, spec)); err != nil {
			t.Fatalf("create policy: %v", err)
		}
		waitForWebhookCache(t, &supportaccessv1alpha1.AccountSessionPolicyList{}, ns, 1)
		waitForPolicyParams(t, ns)
	}
}

func admissionCases() []admissionCase {
	now := testClock.Now()
	long := strings.Repeat("x", 1025)
	set := func(k string, v any) func(map[string]any) { return func(s map[string]any) { s[k] = v } }
	unset := func(k string) func(map[string]any) { return func(s map[string]any) { delete(s, k) } }
	return []admissionCase{
		// SupportAccessGrant, create: the schema.
		{name: "access level not in the list", gvk: grantGVK, spec: map[string]any{"accessLevel": "Admin"},
			wantField: "spec.accessLevel", wantMsg: `Unsupported value: "Admin": supported values: "Limited", "Full"`},
		{name: "access level in lower case", gvk: grantGVK, spec: map[string]any{"accessLevel": "full"},
			wantField: "spec.accessLevel", wantMsg: "Unsupported value"},
		{name: "empty access level", gvk: grantGVK, spec: map[string]any{"accessLevel": ""},
			wantField: "spec.accessLevel", wantMsg: "Unsupported value"},
		{name: "duration under 15m", gvk: grantGVK, spec: map[string]any{"duration": "5m"},
			wantField: "spec.duration", wantMsg: "must be at least 15m"},
		{name: "duration just under 15m", gvk: grantGVK, spec: map[string]any{"duration": "14m59s"},
			wantField: "spec.duration", wantMsg: "must be at least 15m"},
		{name: "negative duration", gvk: grantGVK, spec: map[string]any{"duration": "-1h"},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "duration in days", gvk: grantGVK, spec: map[string]any{"duration": "7d"},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "empty duration", gvk: grantGVK, spec: map[string]any{"duration": ""},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "duration out of range", gvk: grantGVK, spec: map[string]any{"duration": "99999999999h"},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "duration as a number", gvk: grantGVK, spec: map[string]any{"duration": 3600},
			wantField: "spec.duration", wantMsg: "must be of type string"},
		{name: "reason over 1024 characters", gvk: grantGVK, spec: map[string]any{"reason": long},
			wantField: "spec.reason", wantMsg: "Too long"},
		{name: "secret name not DNS-1123", gvk: grantGVK, spec: map[string]any{"secretName": "Bad_Name"},
			wantField: "spec.secretName", wantMsg: "should match"},
		{name: "secret name too long", gvk: grantGVK, spec: map[string]any{"secretName": strings.Repeat("a", 254)},
			wantField: "spec.secretName", wantMsg: "Too long"},
		{name: "renewedAt not a time", gvk: grantGVK, spec: map[string]any{"renewedAt": "yesterday"},
			wantField: "spec.renewedAt", wantMsg: "must be of type date-time"},
		{name: "revoked not a bool", gvk: grantGVK, spec: map[string]any{"revoked": "yes"},
			wantField: "spec.revoked", wantMsg: "must be of type boolean"},

		// SupportAccessGrant, create: admission.
		{name: "renewedAt 10m in the future", gvk: grantGVK, spec: map[string]any{"renewedAt": at(now.Add(10 * time.Minute))},
			wantField: "spec.renewedAt", by: byClock,
			wantMsg: `Invalid value: "` + at(now.Add(10*time.Minute)) + `": must be at most 5m in the future (it is now ` + at(now) + ")"},
		{name: "duration above --max-grant-duration", gvk: grantGVK, spec: map[string]any{"duration": "800h"},
			wantField: "spec.duration", wantMsg: `Invalid value: "800h": must be at most 720h (the operator's limit)`, by: byAdmission},
		{name: "duration just above --max-grant-duration", gvk: grantGVK, spec: map[string]any{"duration": "720h0m1s"},
			wantField: "spec.duration", wantMsg: `Invalid value: "720h0m1s": must be at most 720h (the operator's limit)`, by: byAdmission},
		{name: "duration above the account's maxGrantDuration", gvk: grantGVK, spec: map[string]any{"duration": "48h"},
			prepare:   withPolicy("caps", map[string]any{"maxGrantDuration": "24h"}),
			wantField: "spec.duration", by: byAdmission,
			wantMsg: `Invalid value: "48h": must be at most 24h (maxGrantDuration of AccountSessionPolicy "caps" in this namespace)`},
		{name: "default duration above the account's maxGrantDuration", gvk: grantGVK, spec: map[string]any{},
			prepare:   withPolicy("caps", map[string]any{"maxGrantDuration": "24h"}),
			wantField: "spec.duration", wantMsg: `Invalid value: "168h": must be at most 24h`, by: byAdmission},

		// SupportAccessGrant, update: the schema.
		{name: "revoked set back to false", gvk: grantGVK, initial: map[string]any{"revoked": true}, update: set("revoked", false),
			wantField: "spec.revoked", wantMsg: "cannot be set back to false once true: create a new grant to give access again"},
		{name: "revoked removed", gvk: grantGVK, initial: map[string]any{"revoked": true}, update: unset("revoked"),
			wantField: "spec.revoked", wantMsg: "cannot be set back to false"},
		{name: "secretName changed", gvk: grantGVK, initial: map[string]any{"secretName": "one"}, update: set("secretName", "two"),
			wantField: "spec.secretName", wantMsg: "is immutable"},
		{name: "secretName removed", gvk: grantGVK, initial: map[string]any{"secretName": "one"}, update: unset("secretName"),
			wantField: "spec.secretName", wantMsg: "is immutable"},
		{name: "secretName set later to another name", gvk: grantGVK, initial: map[string]any{}, update: set("secretName", "other"),
			wantField: "spec.secretName", wantMsg: "is immutable"},
		{name: "duration lowered under 15m", gvk: grantGVK, initial: map[string]any{}, update: set("duration", "10m"),
			wantField: "spec.duration", wantMsg: "must be at least 15m"},
		{name: "revoked grant renewed", gvk: grantGVK, initial: map[string]any{"revoked": true}, update: set("renewedAt", at(now)),
			wantField: "spec.renewedAt", wantMsg: "Forbidden: a revoked grant cannot be renewed: create a new grant"},
		{name: "revoked grant renewed again", gvk: grantGVK, initial: map[string]any{"revoked": true, "renewedAt": at(now.Add(-time.Hour))},
			update: set("renewedAt", at(now)), wantField: "spec.renewedAt", wantMsg: "a revoked grant cannot be renewed"},
		{name: "revoked grant's renewal removed", gvk: grantGVK, initial: map[string]any{"revoked": true, "renewedAt": at(now.Add(-time.Hour))},
			update: unset("renewedAt"), wantField: "spec.renewedAt", wantMsg: "a revoked grant cannot be renewed"},

		// SupportAccessGrant, update: admission.
		{name: "renewed 1h into the future", gvk: grantGVK, initial: map[string]any{}, update: set("renewedAt", at(now.Add(time.Hour))),
			wantField: "spec.renewedAt", wantMsg: "must be at most 5m in the future", by: byClock},
		{name: "duration raised above --max-grant-duration", gvk: grantGVK, initial: map[string]any{"duration": "24h"}, update: set("duration", "721h"),
			wantField: "spec.duration", wantMsg: `Invalid value: "721h": must be at most 720h (the operator's limit)`, by: byAdmission},
		{name: "renewal above a lowered maxGrantDuration", gvk: grantGVK, initial: map[string]any{"duration": "48h"},
			prepare: withPolicy("caps", map[string]any{"maxGrantDuration": "24h"}), update: set("renewedAt", at(now)),
			wantField: "spec.duration", wantMsg: `Invalid value: "48h": must be at most 24h (maxGrantDuration of AccountSessionPolicy "caps"`, by: byAdmission},

		// AccountSessionPolicy, create: the schema.
		{name: "inactivity not in the list", gvk: policyGVK, spec: map[string]any{"inactivityTimeout": "45m"},
			wantField: "spec.inactivityTimeout", wantMsg: `supported values: "15m", "30m", "1h", "2h", "4h", "8h", "12h"`},
		{name: "inactivity in another spelling", gvk: policyGVK, spec: map[string]any{"inactivityTimeout": "60m"},
			wantField: "spec.inactivityTimeout", wantMsg: "Unsupported value"},
		{name: "empty inactivity", gvk: policyGVK, spec: map[string]any{"inactivityTimeout": ""},
			wantField: "spec.inactivityTimeout", wantMsg: "Unsupported value"},
		{name: "lifetime under 15m", gvk: policyGVK, spec: map[string]any{"maxSessionLifetime": "10m"},
			wantField: "spec.maxSessionLifetime", wantMsg: "must be between 15m and 24h"},
		{name: "lifetime over 24h", gvk: policyGVK, spec: map[string]any{"maxSessionLifetime": "24h0m1s"},
			wantField: "spec.maxSessionLifetime", wantMsg: "must be between 15m and 24h"},
		{name: "lifetime not a duration", gvk: policyGVK, spec: map[string]any{"maxSessionLifetime": "forever"},
			wantField: "spec.maxSessionLifetime", wantMsg: "should match"},
		{name: "lifetime as a number", gvk: policyGVK, spec: map[string]any{"maxSessionLifetime": 3600},
			wantField: "spec.maxSessionLifetime", wantMsg: "must be of type string"},
		{name: "max grant duration under 15m", gvk: policyGVK, spec: map[string]any{"maxGrantDuration": "1m"},
			wantField: "spec.maxGrantDuration", wantMsg: "must be at least 15m"},
		{name: "max grant duration negative", gvk: policyGVK, spec: map[string]any{"maxGrantDuration": "-720h"},
			wantField: "spec.maxGrantDuration", wantMsg: "should match"},

		// AccountSessionPolicy, create: admission.
		{name: "second policy in the namespace", gvk: policyGVK, spec: map[string]any{"inactivityTimeout": "15m"},
			prepare: withPolicy("first", map[string]any{}), wantField: "metadata.namespace", by: byAdmission,
			wantMsg: `already has AccountSessionPolicy "first" and allows only one: edit that one instead`},

		// AccountSessionPolicy, update: the schema.
		{name: "inactivity changed to a value not in the list", gvk: policyGVK, initial: map[string]any{}, update: set("inactivityTimeout", "90m"),
			wantField: "spec.inactivityTimeout", wantMsg: "Unsupported value"},
		{name: "lifetime raised over 24h", gvk: policyGVK, initial: map[string]any{}, update: set("maxSessionLifetime", "48h"),
			wantField: "spec.maxSessionLifetime", wantMsg: "must be between 15m and 24h"},
		{name: "max grant duration lowered under 15m", gvk: policyGVK, initial: map[string]any{"maxGrantDuration": "24h"}, update: set("maxGrantDuration", "10m"),
			wantField: "spec.maxGrantDuration", wantMsg: "must be at least 15m"},
	}
}

// TestAdmissionTable sends every case three times, on one kube-apiserver with one CRD schema: to
// a namespace with the webhooks, to one with config/admission's policies and no webhook, and to
// one with neither. A schema rule is refused identically in all three, since the schema refuses
// before any validating admission runs. An admission rule gets through the schema alone, and the
// webhooks and the policies refuse it with the same field error (after kube-apiserver's prefix
// for a policy). A clock rule is the webhooks' only.
func TestAdmissionTable(t *testing.T) {
	cases := admissionCases()
	if len(cases) < 30 {
		t.Fatalf("%d cases, want at least 30", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			onNS, policiesNS := newNamespace(t, modeOn), newNamespace(t, modePolicies)
			onErr := send(t, tc, onNS)
			offErr := send(t, tc, newNamespace(t, modeOff))
			policiesErr := send(t, tc, policiesNS)

			g.Expect(onErr).To(HaveOccurred(), "accepted with the webhooks on")
			g.Expect(apierrors.IsInvalid(onErr)).To(BeTrue(), "want 422 Invalid, got %v", onErr)
			g.Expect(causes(onErr)).To(ContainElement(And(HavePrefix(tc.wantField+": "), ContainSubstring(tc.wantMsg))),
				"with the webhooks on: %v", onErr)
			switch tc.by {
			case bySchema:
				g.Expect(offErr).To(HaveOccurred(), "the schema alone accepts it")
				g.Expect(causes(offErr)).To(Equal(causes(onErr)), "the webhooks change a schema refusal")
				g.Expect(policiesErr).To(HaveOccurred(), "accepted with the admission policies")
				g.Expect(causes(policiesErr)).To(Equal(causes(onErr)), "the admission policies change a schema refusal")
			case byAdmission:
				g.Expect(offErr).NotTo(HaveOccurred(), "the schema alone refuses an admission rule")
				g.Expect(onErr.Error()).To(ContainSubstring("admission webhook"), "refused by the webhook")
				g.Expect(policiesErr).To(HaveOccurred(), "accepted with the admission policies")
				g.Expect(apierrors.IsInvalid(policiesErr)).To(BeTrue(), "want 422 Invalid, got %v", policiesErr)
				// Messages that name the namespace name a different one in each mode.
				sameNS := strings.NewReplacer(policiesNS, onNS)
				var fromPolicies []string
				for _, c := range policyCauses(policiesErr) {
					fromPolicies = append(fromPolicies, sameNS.Replace(c))
				}
				g.Expect(fromPolicies).To(ConsistOf(BeElementOf(causes(onErr))),
					"the admission policies and the webhooks disagree: %v", policiesErr)
			case byClock:
				g.Expect(offErr).NotTo(HaveOccurred(), "the schema alone refuses a clock rule")
				g.Expect(policiesErr).NotTo(HaveOccurred(), "the admission policies have no clock, yet refuse it")
				g.Expect(onErr.Error()).To(ContainSubstring("admission webhook"), "refused by the webhook")
			}
		})
	}
}

// send makes the request of tc in ns and returns its error.
func send(t *testing.T, tc admissionCase, ns string) error {
	t.Helper()
	ctx := context.Background()
	if tc.initial == nil {
		if tc.prepare != nil {
			tc.prepare(t, ns)
		}
		return k8s.Create(ctx, newUnstructured(tc.gvk, ns, "", tc.spec))
	}
	obj := newUnstructured(tc.gvk, ns, "", tc.initial)
	if err := k8s.Create(ctx, obj); err != nil {
		t.Fatalf("create the object to update: %v", err)
	}
	if tc.prepare != nil {
		tc.prepare(t, ns)
	}
	spec, _, _ := unstructured.NestedMap(obj.Object, "spec")
	tc.update(spec)
	if err := unstructured.SetNestedMap(obj.Object, spec, "spec"); err != nil {
		t.Fatal(err)
	}
	return k8s.Update(ctx, obj)
}
