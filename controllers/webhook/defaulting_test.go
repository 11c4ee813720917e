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

	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// patchOp is a JSON patch operation as the tests compare them.
type patchOp struct {
	Op    string
	Path  string
	Value any
}

func request(op admissionv1.Operation, raw string) admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: op,
		Object:    runtime.RawExtension{Raw: []byte(raw)},
	}}
}

func opsOf(resp admission.Response) []patchOp {
	var out []patchOp
	for _, p := range resp.Patches {
		out = append(out, patchOp{Op: p.Operation, Path: p.Path, Value: p.Value})
	}
	return out
}

const grantHead = `{"apiVersion":"supportaccess.io/v1alpha1","kind":"SupportAccessGrant","metadata":{"name":"t","namespace":"n"`

func TestDefaultingPatchOnlyAdds(t *testing.T) {
	grants := newDefaultingHandler[*supportaccessv1alpha1.SupportAccessGrant](testScheme, &SupportAccessGrantDefaulter{}, "duration")
	policies := newDefaultingHandler[*supportaccessv1alpha1.AccountSessionPolicy](testScheme, &AccountSessionPolicyDefaulter{}, "maxSessionLifetime", "maxGrantDuration")
	tests := []struct {
		name    string
		handler admission.Handler
		op      admissionv1.Operation
		raw     string
		want    []patchOp
	}{
		{name: "values the user wrote are left as written", handler: grants, op: admissionv1.Create,
			raw:  grantHead + `},"spec":{"accessLevel":"Full","duration":"720h","renewedAt":"2026-11-23T10:00:00.5Z","revoked":false}}`,
			want: []patchOp{{Op: "add", Path: "/spec/secretName", Value: "t-credentials"}, {Op: "add", Path: "/metadata/finalizers", Value: []any{supportaccessv1alpha1.GrantFinalizer}}}},
		{name: "missing fields get the schema's defaults, durations in short form", handler: grants, op: admissionv1.Create,
			raw:  grantHead + `},"spec":{"secretName":"mine"}}`,
			want: []patchOp{{Op: "add", Path: "/spec/accessLevel", Value: "Limited"}, {Op: "add", Path: "/spec/duration", Value: "168h"}, {Op: "add", Path: "/metadata/finalizers", Value: []any{supportaccessv1alpha1.GrantFinalizer}}}},
		{name: "no spec at all", handler: grants, op: admissionv1.Create, raw: grantHead + `}}`,
			want: []patchOp{{Op: "add", Path: "/spec", Value: map[string]any{"accessLevel": "Limited", "duration": "168h", "secretName": "t-credentials"}}, {Op: "add", Path: "/metadata/finalizers", Value: []any{supportaccessv1alpha1.GrantFinalizer}}}},
		{name: "the finalizer joins the user's own, which stay", handler: grants, op: admissionv1.Create,
			raw:  grantHead + `,"finalizers":["example.com/keep"],"labels":{"a":"b"}},"spec":{"accessLevel":"Full","duration":"1h","secretName":"s"}}`,
			want: []patchOp{{Op: "add", Path: "/metadata/finalizers/1", Value: supportaccessv1alpha1.GrantFinalizer}}},
		{name: "a finalizer already there is not added twice", handler: grants, op: admissionv1.Create,
			raw: grantHead + `,"finalizers":["` + supportaccessv1alpha1.GrantFinalizer + `"]},"spec":{"accessLevel":"Full","duration":"1h","secretName":"s"}}`},
		{name: "undecodable object left to the schema", handler: grants, op: admissionv1.Create,
			raw: grantHead + `},"spec":{"duration":3600}}`},
		{name: "bad duration string left to the schema", handler: grants, op: admissionv1.Create,
			raw: grantHead + `},"spec":{"duration":"7d"}}`},
		{name: "updates not mutated", handler: grants, op: admissionv1.Update, raw: grantHead + `},"spec":{}}`},
		{name: "deletes not mutated", handler: grants, op: admissionv1.Delete, raw: grantHead + `},"spec":{}}`},
		{name: "policy defaults", handler: policies, op: admissionv1.Create,
			raw:  `{"apiVersion":"supportaccess.io/v1alpha1","kind":"AccountSessionPolicy","metadata":{"name":"p","namespace":"n"},"spec":{"maxGrantDuration":"48h0m0s"}}`,
			want: []patchOp{{Op: "add", Path: "/spec/inactivityTimeout", Value: "30m"}, {Op: "add", Path: "/spec/maxSessionLifetime", Value: "12h"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			resp := tt.handler.Handle(context.Background(), request(tt.op, tt.raw))
			g.Expect(resp.Allowed).To(BeTrue(), "%+v", resp.Result)
			g.Expect(opsOf(resp)).To(ConsistOf(tt.want))
			if len(tt.want) == 0 {
				g.Expect(resp.PatchType).To(BeNil())
			}
		})
	}
}

// TestControllerRuntimeDefaulterRewritesValues documents why the defaulting webhooks are not the
// builder's WithDefaulter: its patch rewrites values the user wrote. If this starts failing,
// controller-runtime changed, and defaultingHandler may no longer be needed.
func TestControllerRuntimeDefaulterRewritesValues(t *testing.T) {
	wh := admission.WithDefaulter[*supportaccessv1alpha1.SupportAccessGrant](testScheme, &SupportAccessGrantDefaulter{})
	resp := wh.Handle(context.Background(), request(admissionv1.Create,
		grantHead+`},"spec":{"accessLevel":"Full","duration":"720h","renewedAt":"2026-11-23T10:00:00.5Z","revoked":false}}`))
	NewWithT(t).Expect(opsOf(resp)).To(ContainElements(
		patchOp{Op: "replace", Path: "/spec/duration", Value: "720h0m0s"},
		patchOp{Op: "replace", Path: "/spec/renewedAt", Value: "2026-11-23T10:00:00Z"},
	))
}
