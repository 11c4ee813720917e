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
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// TestDefaults checks the stored spec after a create, with the webhooks, with the admission
// policies and with neither: the same defaults as docs/validation.md#defaults (the schema's), plus
// secretName and the finalizer from the webhook or the mutating policy, and values the user wrote
// stored exactly as written.
func TestDefaults(t *testing.T) {
	renewed := testClock.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.5Z07:00")
	tests := []struct {
		name    string
		gvk     schema.GroupVersionKind
		objName string // empty: metadata.generateName
		spec    map[string]any
		wantOn  map[string]any
		wantOff map[string]any
	}{
		{name: "grant with an empty spec", gvk: grantGVK, objName: "ticket", spec: map[string]any{},
			wantOn:  map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false, "secretName": "ticket-credentials"},
			wantOff: map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false}},
		{name: "grant without a spec", gvk: grantGVK, objName: "ticket", spec: nil,
			wantOn:  map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false, "secretName": "ticket-credentials"},
			wantOff: map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false}},
		// Only missing fields are added: "720h" is not rewritten "720h0m0s", nor the time cut to
		// whole seconds, or GitOps tools would see drift on every sync.
		{name: "grant values kept as written", gvk: grantGVK, objName: "ticket",
			spec:    map[string]any{"accessLevel": "Full", "duration": "720h", "renewedAt": renewed, "reason": "T-1"},
			wantOn:  map[string]any{"accessLevel": "Full", "duration": "720h", "renewedAt": renewed, "reason": "T-1", "revoked": false, "secretName": "ticket-credentials"},
			wantOff: map[string]any{"accessLevel": "Full", "duration": "720h", "renewedAt": renewed, "reason": "T-1", "revoked": false}},
		{name: "grant with its own secret name", gvk: grantGVK, objName: "ticket", spec: map[string]any{"secretName": "mine"},
			wantOn:  map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false, "secretName": "mine"},
			wantOff: map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false, "secretName": "mine"}},
		// kube-apiserver generates the name after mutating admission: secretName stays unset, and
		// "<name>-credentials" applies all the same (controller and immutability rule agree).
		{name: "grant with a generated name", gvk: grantGVK, spec: map[string]any{},
			wantOn:  map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false},
			wantOff: map[string]any{"accessLevel": "Limited", "duration": "168h", "revoked": false}},
		{name: "policy with an empty spec", gvk: policyGVK, objName: "sessions", spec: map[string]any{},
			wantOn:  map[string]any{"inactivityTimeout": "30m", "maxSessionLifetime": "12h"},
			wantOff: map[string]any{"inactivityTimeout": "30m", "maxSessionLifetime": "12h"}},
		{name: "policy values kept as written", gvk: policyGVK, objName: "sessions",
			spec:    map[string]any{"inactivityTimeout": "1h", "maxSessionLifetime": "1440m", "maxGrantDuration": "48h0m0s"},
			wantOn:  map[string]any{"inactivityTimeout": "1h", "maxSessionLifetime": "1440m", "maxGrantDuration": "48h0m0s"},
			wantOff: map[string]any{"inactivityTimeout": "1h", "maxSessionLifetime": "1440m", "maxGrantDuration": "48h0m0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for mode, want := range map[string]map[string]any{modeOn: tt.wantOn, modePolicies: tt.wantOn, modeOff: tt.wantOff} {
				obj := newUnstructured(tt.gvk, newNamespace(t, mode), tt.objName, tt.spec)
				NewWithT(t).Expect(k8s.Create(context.Background(), obj)).To(Succeed(), "webhooks %s", mode)
				stored, _, _ := unstructured.NestedMap(obj.Object, "spec")
				NewWithT(t).Expect(stored).To(Equal(want), "spec stored with the webhooks %s", mode)
				// Admission adds the grant's finalizer at creation, sparing the controller a write.
				var wantFinalizers []string
				if mode != modeOff && tt.gvk == grantGVK {
					wantFinalizers = []string{supportaccessv1alpha1.GrantFinalizer}
				}
				NewWithT(t).Expect(obj.GetFinalizers()).To(Equal(wantFinalizers), "finalizers with the webhooks %s", mode)
			}
		})
	}
}

// TestDefaultersAgreeWithSchema compares what the defaulting webhooks add to an empty spec with the
// defaults of the CRDs installed in kube-apiserver: same fields, same values, same spelling.
func TestDefaultersAgreeWithSchema(t *testing.T) {
	needControlPlane(t)
	tests := []struct {
		crd     string
		handler admission.Handler
		raw     string
		// extra are the defaults the schema cannot express.
		extra map[string]any
	}{
		{crd: "supportaccessgrants.supportaccess.io",
			handler: newDefaultingHandler[*supportaccessv1alpha1.SupportAccessGrant](testScheme, &SupportAccessGrantDefaulter{}, "duration"),
			raw:     grantHead + `},"spec":{}}`, extra: map[string]any{"secretName": "t-credentials"}},
		{crd: "accountsessionpolicies.supportaccess.io",
			handler: newDefaultingHandler[*supportaccessv1alpha1.AccountSessionPolicy](testScheme, &AccountSessionPolicyDefaulter{}, "maxSessionLifetime", "maxGrantDuration"),
			raw:     `{"apiVersion":"supportaccess.io/v1alpha1","kind":"AccountSessionPolicy","metadata":{"name":"p","namespace":"n"},"spec":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.crd, func(t *testing.T) {
			g := NewWithT(t)
			crd := &unstructured.Unstructured{}
			crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
			g.Expect(k8s.Get(context.Background(), client.ObjectKey{Name: tt.crd}, crd)).To(Succeed())
			versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
			g.Expect(versions).To(HaveLen(1))
			props, _, _ := unstructured.NestedMap(versions[0].(map[string]any), "schema", "openAPIV3Schema", "properties", "spec", "properties")
			schemaDefaults := map[string]any{}
			for name, prop := range props {
				if d, ok := prop.(map[string]any)["default"]; ok {
					schemaDefaults[name] = d
				}
			}
			g.Expect(schemaDefaults).NotTo(BeEmpty())

			added := map[string]any{}
			for _, op := range opsOf(tt.handler.Handle(context.Background(), request(admissionv1.Create, tt.raw))) {
				g.Expect(op.Op).To(Equal("add"))
				if !strings.HasPrefix(op.Path, "/spec/") {
					continue // the grant's finalizer: TestDefaultingPatchOnlyAdds
				}
				added[strings.TrimPrefix(op.Path, "/spec/")] = op.Value
			}
			want := map[string]any{}
			for name, d := range schemaDefaults {
				// false is the Go zero value: the defaulter means it without writing it.
				if d != false {
					want[name] = d
				}
			}
			for name, d := range tt.extra {
				want[name] = d
			}
			g.Expect(added).To(Equal(want))
		})
	}
}
