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

package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// These tests send objects to a real kube-apiserver (no webhook): they prove what the CRD schema
// and its CEL rules enforce on their own.

var k8s client.Client

func TestMain(m *testing.M) {
	env, cfg, err := testutil.StartEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	k8s, err = client.New(cfg, client.Options{})
	code := 1
	if err == nil {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop control plane:", err)
	}
	os.Exit(code)
}

var (
	grantGVK  = schema.GroupVersionKind{Group: "supportaccess.io", Version: "v1alpha1", Kind: "SupportAccessGrant"}
	policyGVK = schema.GroupVersionKind{Group: "supportaccess.io", Version: "v1alpha1", Kind: "AccountSessionPolicy"}
)

// newObject builds an unstructured object, so tests can send what a typed client cannot: wrong
// types, empty strings, fields set to odd values.
func newObject(gvk schema.GroupVersionKind, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace("default")
	u.SetGenerateName("v-")
	if spec != nil {
		u.Object["spec"] = spec
	}
	return u
}

// wantFieldError checks err is a 422 Invalid whose causes include field with a message containing msg.
func wantFieldError(t *testing.T, err error, field, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want refusal on %s (%q)", field, msg)
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("error %v: want 422 Invalid", err)
	}
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Details == nil {
		t.Fatalf("error %v carries no field details", err)
	}
	for _, cause := range status.Status().Details.Causes {
		if cause.Field == field && strings.Contains(cause.Message, msg) {
			return
		}
	}
	t.Fatalf("error %v: want a cause on field %s containing %q", err, field, msg)
}

func TestCreateValidation(t *testing.T) {
	long := strings.Repeat("x", 1025)
	tests := []struct {
		name      string
		gvk       schema.GroupVersionKind
		spec      map[string]any
		wantField string // empty: must be accepted
		wantMsg   string
		wantSpec  map[string]any // on acceptance, these spec values (defaults included) must be stored
	}{
		// SupportAccessGrant: accepted, with defaults.
		{name: "grant defaults from an empty spec", gvk: grantGVK, spec: map[string]any{},
			wantSpec: map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false}},
		{name: "grant without any spec gets the defaults", gvk: grantGVK, spec: nil,
			wantSpec: map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false}},
		{name: "grant full, 15m exactly, reason, custom secret", gvk: grantGVK,
			spec:     map[string]any{"accessLevel": "Full", "duration": "15m", "reason": "Ticket #1", "secretName": "creds.v1"},
			wantSpec: map[string]any{"accessLevel": "Full", "duration": "15m", "reason": "Ticket #1", "secretName": "creds.v1"}},
		{name: "grant duration in Go's long form", gvk: grantGVK, spec: map[string]any{"duration": "720h0m0s"},
			wantSpec: map[string]any{"duration": "720h0m0s"}},
		{name: "grant renewedAt as RFC 3339", gvk: grantGVK, spec: map[string]any{"renewedAt": "2026-11-23T10:00:00Z"},
			wantSpec: map[string]any{"renewedAt": "2026-11-23T10:00:00Z"}},
		{name: "grant reason of 1024 characters", gvk: grantGVK, spec: map[string]any{"reason": long[:1024]}},

		// SupportAccessGrant: refused.
		{name: "unknown access level", gvk: grantGVK, spec: map[string]any{"accessLevel": "Admin"},
			wantField: "spec.accessLevel", wantMsg: `supported values: "Limited", "Full"`},
		{name: "empty access level", gvk: grantGVK, spec: map[string]any{"accessLevel": ""},
			wantField: "spec.accessLevel", wantMsg: "Unsupported value"},
		{name: "lowercase access level", gvk: grantGVK, spec: map[string]any{"accessLevel": "full"},
			wantField: "spec.accessLevel", wantMsg: "Unsupported value"},
		{name: "duration under 15m", gvk: grantGVK, spec: map[string]any{"duration": "5m"},
			wantField: "spec.duration", wantMsg: "must be at least 15m"},
		{name: "duration just under 15m", gvk: grantGVK, spec: map[string]any{"duration": "14m59s"},
			wantField: "spec.duration", wantMsg: "must be at least 15m"},
		{name: "negative duration", gvk: grantGVK, spec: map[string]any{"duration": "-1h"},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "duration not a duration", gvk: grantGVK, spec: map[string]any{"duration": "abc"},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "empty duration", gvk: grantGVK, spec: map[string]any{"duration": ""},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "huge duration", gvk: grantGVK, spec: map[string]any{"duration": "99999999999h"},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "duration as a number", gvk: grantGVK, spec: map[string]any{"duration": 3600},
			wantField: "spec.duration", wantMsg: "must be of type string"},
		{name: "duration in days (not a Go duration)", gvk: grantGVK, spec: map[string]any{"duration": "7d"},
			wantField: "spec.duration", wantMsg: "should match"},
		{name: "reason over 1024 characters", gvk: grantGVK, spec: map[string]any{"reason": long},
			wantField: "spec.reason", wantMsg: "Too long"},
		{name: "secret name not DNS-1123", gvk: grantGVK, spec: map[string]any{"secretName": "Bad_Name"},
			wantField: "spec.secretName", wantMsg: "should match"},
		{name: "secret name too long", gvk: grantGVK, spec: map[string]any{"secretName": strings.Repeat("a", 254)},
			wantField: "spec.secretName", wantMsg: "Too long"},
		{name: "renewedAt not a time", gvk: grantGVK, spec: map[string]any{"renewedAt": "yesterday"},
			wantField: "spec.renewedAt", wantMsg: "date-time"},
		{name: "revoked not a bool", gvk: grantGVK, spec: map[string]any{"revoked": "yes"},
			wantField: "spec.revoked", wantMsg: "must be of type boolean"},

		// AccountSessionPolicy: accepted, with defaults.
		{name: "policy defaults", gvk: policyGVK, spec: map[string]any{},
			wantSpec: map[string]any{"inactivityTimeout": "30m", "maxSessionLifetime": "12h"}},
		{name: "policy bounds inclusive", gvk: policyGVK, spec: map[string]any{"maxSessionLifetime": "24h", "maxGrantDuration": "15m"},
			wantSpec: map[string]any{"inactivityTimeout": "30m", "maxSessionLifetime": "24h", "maxGrantDuration": "15m"}},
		{name: "policy lifetime lower bound", gvk: policyGVK, spec: map[string]any{"maxSessionLifetime": "15m"}},

		// AccountSessionPolicy: refused.
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
		{name: "max grant duration under 15m", gvk: policyGVK, spec: map[string]any{"maxGrantDuration": "1m"},
			wantField: "spec.maxGrantDuration", wantMsg: "must be at least 15m"},
		{name: "max grant duration negative", gvk: policyGVK, spec: map[string]any{"maxGrantDuration": "-720h"},
			wantField: "spec.maxGrantDuration", wantMsg: "should match"},
	}
	for _, v := range []string{"15m", "30m", "1h", "2h", "4h", "8h", "12h"} {
		tests = append(tests, struct {
			name      string
			gvk       schema.GroupVersionKind
			spec      map[string]any
			wantField string
			wantMsg   string
			wantSpec  map[string]any
		}{name: "inactivity " + v, gvk: policyGVK, spec: map[string]any{"inactivityTimeout": v},
			wantSpec: map[string]any{"inactivityTimeout": v}})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := newObject(tt.gvk, tt.spec)
			err := k8s.Create(context.Background(), obj)
			if tt.wantField != "" {
				wantFieldError(t, err, tt.wantField, tt.wantMsg)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			stored, _, _ := unstructured.NestedMap(obj.Object, "spec")
			for k, want := range tt.wantSpec {
				if got := stored[k]; got != want {
					t.Errorf("spec.%s = %v, want %v", k, got, want)
				}
			}
		})
	}
}

func TestUpdateValidation(t *testing.T) {
	tests := []struct {
		name      string
		initial   map[string]any
		update    func(spec map[string]any)
		wantField string
		wantMsg   string
	}{
		{name: "revoke", initial: map[string]any{},
			update: func(s map[string]any) { s["revoked"] = true }},
		{name: "revoked true to false", initial: map[string]any{"revoked": true},
			update: func(s map[string]any) { s["revoked"] = false }, wantField: "spec.revoked", wantMsg: "cannot be set back to false"},
		{name: "revoked removed (defaults back to false)", initial: map[string]any{"revoked": true},
			update: func(s map[string]any) { delete(s, "revoked") }, wantField: "spec.revoked", wantMsg: "cannot be set back to false"},
		{name: "changed secretName", initial: map[string]any{"secretName": "one"},
			update: func(s map[string]any) { s["secretName"] = "two" }, wantField: "spec.secretName", wantMsg: "is immutable"},
		{name: "removed secretName", initial: map[string]any{"secretName": "one"},
			update: func(s map[string]any) { delete(s, "secretName") }, wantField: "spec.secretName", wantMsg: "is immutable"},
		{name: "secretName set later to another name", initial: map[string]any{},
			update: func(s map[string]any) { s["secretName"] = "other" }, wantField: "spec.secretName", wantMsg: "is immutable"},
		{name: "renew an active grant", initial: map[string]any{},
			update: func(s map[string]any) { s["renewedAt"] = "2026-11-23T10:00:00Z" }},
		{name: "renew and revoke at once", initial: map[string]any{},
			update: func(s map[string]any) { s["renewedAt"] = "2026-11-23T10:00:00Z"; s["revoked"] = true }},
		{name: "renew a revoked grant", initial: map[string]any{"revoked": true},
			update: func(s map[string]any) { s["renewedAt"] = "2026-11-23T10:00:00Z" }, wantField: "spec.renewedAt", wantMsg: "cannot be renewed"},
		{name: "change renewedAt of a revoked grant", initial: map[string]any{"revoked": true, "renewedAt": "2026-11-20T10:00:00Z"},
			update: func(s map[string]any) { s["renewedAt"] = "2026-11-23T10:00:00Z" }, wantField: "spec.renewedAt", wantMsg: "cannot be renewed"},
		{name: "edit the reason of a revoked grant", initial: map[string]any{"revoked": true},
			update: func(s map[string]any) { s["reason"] = "closed" }},
		{name: "change access level", initial: map[string]any{},
			update: func(s map[string]any) { s["accessLevel"] = "Full" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			obj := newObject(grantGVK, tt.initial)
			if err := k8s.Create(ctx, obj); err != nil {
				t.Fatalf("create: %v", err)
			}
			spec, _, _ := unstructured.NestedMap(obj.Object, "spec")
			tt.update(spec)
			if err := unstructured.SetNestedMap(obj.Object, spec, "spec"); err != nil {
				t.Fatal(err)
			}
			err := k8s.Update(ctx, obj)
			if tt.wantField != "" {
				wantFieldError(t, err, tt.wantField, tt.wantMsg)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
}

// A tenant can write the status subresource (docs/reference.md#tenant-model). The manager caches
// every grant and policy, so the schema bounds what a status can hold: no ballast of conditions or
// huge strings.
func TestStatusIsBounded(t *testing.T) {
	ctx := context.Background()
	condition := func(i int) map[string]any {
		return map[string]any{"type": fmt.Sprintf("Pad%d", i), "status": "True", "reason": "Pad",
			"message": strings.Repeat("x", 30000), "lastTransitionTime": "2026-12-01T00:00:00Z"}
	}
	conditions := func(n int) []any {
		var out []any
		for i := range n {
			out = append(out, condition(i))
		}
		return out
	}
	tests := []struct {
		name      string
		gvk       schema.GroupVersionKind
		status    map[string]any
		wantField string // empty: must be accepted
		wantMsg   string
	}{
		{name: "grant: a 254-character login email", gvk: grantGVK, status: map[string]any{"loginEmail": strings.Repeat("e", 254)}},
		{name: "grant: a longer login email", gvk: grantGVK, status: map[string]any{"loginEmail": strings.Repeat("e", 255)},
			wantField: "status.loginEmail", wantMsg: "may not be more than 254"},
		{name: "grant: a longer secret name", gvk: grantGVK, status: map[string]any{"secretName": strings.Repeat("s", 254)},
			wantField: "status.secretName", wantMsg: "may not be more than 253"},
		{name: "grant: 8 conditions", gvk: grantGVK, status: map[string]any{"conditions": conditions(8)}},
		{name: "grant: 9 conditions", gvk: grantGVK, status: map[string]any{"conditions": conditions(9)},
			wantField: "status.conditions", wantMsg: "must have at most 8 items"},
		{name: "policy: 9 conditions", gvk: policyGVK, status: map[string]any{"conditions": conditions(9)},
			wantField: "status.conditions", wantMsg: "must have at most 8 items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := newObject(tt.gvk, map[string]any{})
			if err := k8s.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
			obj.Object["status"] = tt.status
			err := k8s.Status().Update(ctx, obj)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantFieldError(t, err, tt.wantField, tt.wantMsg)
		})
	}
}
