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

package managercache

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
)

// These tests run the transforms CacheOptions installs on objects a tenant could write.

const mib = 1 << 20

// byObjectFor returns the cache settings CacheOptions gives obj's type.
func byObjectFor(t *testing.T, obj client.Object) (labels.Selector, fields.Selector, toolscache.TransformFunc) {
	t.Helper()
	for k, v := range Options().ByObject {
		if reflect.TypeOf(k) == reflect.TypeOf(obj) {
			if v.Transform == nil {
				t.Fatalf("no transform for %T", obj)
			}
			return v.Label, v.Field, v.Transform
		}
	}
	t.Fatalf("CacheOptions has no settings for %T", obj)
	return nil, nil, nil
}

// transformTwice runs the cache's transform for obj's type on obj twice and fails unless the
// second pass changes nothing (informers may transform one object twice).
func transformTwice(t *testing.T, obj client.Object) {
	t.Helper()
	_, _, transform := byObjectFor(t, obj)
	out, err := transform(obj)
	if err != nil || out != obj {
		t.Fatalf("transform: got %T, %v; want the same object, nil", out, err)
	}
	once := obj.DeepCopyObject()
	if _, err := transform(obj); err != nil {
		t.Fatalf("second transform: %v", err)
	}
	if !equality.Semantic.DeepEqual(once, obj.DeepCopyObject()) {
		t.Errorf("transform is not idempotent:\nonce:  %+v\ntwice: %+v", once, obj)
	}
}

func ourLabels(grant string) map[string]string {
	return map[string]string{
		supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
		supportaccessv1alpha1.LabelGrant:     grant,
		supportaccessv1alpha1.LabelComponent: supportaccessv1alpha1.ComponentCredentials,
	}
}

// tenantMeta returns metadata dressed up by a tenant: the operator's labels among many others, a
// 1 MiB annotation, finalizers, managed fields and thousands of owner references, the grant's
// controller reference last.
func tenantMeta(grant string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{
		Namespace: "account", Name: "obj", UID: "uid-1", ResourceVersion: "7",
		Labels:        ourLabels(grant),
		Annotations:   map[string]string{"big": strings.Repeat("a", mib), "supportaccess.io/fake": "x"},
		Finalizers:    []string{"example.com/a", "example.com/b"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}
	for i := range 100 {
		m.Labels[fmt.Sprintf("junk-%d", i)] = strings.Repeat("x", 63)
	}
	for i := range 3000 {
		m.OwnerReferences = append(m.OwnerReferences, metav1.OwnerReference{
			APIVersion: supportaccessv1alpha1.GroupVersion.String(), Kind: "SupportAccessGrant",
			Name: fmt.Sprintf("other-%d", i), UID: "uid-other"})
	}
	m.OwnerReferences = append(m.OwnerReferences,
		metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "cm", UID: "uid-cm"},
		metav1.OwnerReference{APIVersion: "evil.example.com/v1", Kind: "SupportAccessGrant", Name: grant, UID: "uid-evil"},
		metav1.OwnerReference{APIVersion: supportaccessv1alpha1.GroupVersion.String(), Kind: "SupportAccessGrant",
			Name: grant, UID: "uid-grant", Controller: ptr.To(true)},
	)
	return m
}

// checkOwnMeta checks what trimOwnMeta keeps of tenantMeta.
func checkOwnMeta(t *testing.T, m *metav1.ObjectMeta, grant string) {
	t.Helper()
	if m.Name != "obj" || m.Namespace != "account" || m.UID != "uid-1" || m.ResourceVersion != "7" {
		t.Errorf("identity changed: %s/%s %s %s", m.Namespace, m.Name, m.UID, m.ResourceVersion)
	}
	if !reflect.DeepEqual(m.Labels, ourLabels(grant)) {
		t.Errorf("labels = %v, want only the operator's", m.Labels)
	}
	if m.Finalizers != nil || m.ManagedFields != nil {
		t.Errorf("finalizers %v, managed fields %v: want none", m.Finalizers, m.ManagedFields)
	}
	if len(m.OwnerReferences) != maxOwnerRefs {
		t.Fatalf("%d owner references, want %d", len(m.OwnerReferences), maxOwnerRefs)
	}
	if first := m.OwnerReferences[0]; first.UID != "uid-grant" || !ptr.Deref(first.Controller, false) {
		t.Errorf("first owner reference %+v, want the grant's controller reference", first)
	}
	for _, ref := range m.OwnerReferences {
		if ref.Kind != "SupportAccessGrant" || ref.APIVersion != supportaccessv1alpha1.GroupVersion.String() {
			t.Errorf("kept owner reference %+v, want only grants", ref)
		}
	}
}

func TestTransformSecret(t *testing.T) {
	password := strings.Repeat("p", mib)
	wantHash := sha256.Sum256([]byte(password))
	tests := []struct {
		name     string
		data     map[string][]byte
		wantData map[string]string
	}{{
		name: "fat Secret keeps exactly the keys the manager reads",
		data: map[string][]byte{
			"email": []byte("support-a@x.test"), "expiresAt": []byte("2030-01-01T00:00:00Z"),
			"loginURL": []byte("https://login.test/"), "password": []byte(password),
			"junk": make([]byte, mib), "password:sha256x": []byte("y"),
		},
		wantData: map[string]string{
			"email": "support-a@x.test", "expiresAt": "2030-01-01T00:00:00Z",
			"loginURL": "https://login.test/", credentials.PasswordHashKey: string(wantHash[:]),
		},
	}, {
		name: "values over their bounds are dropped",
		data: map[string][]byte{
			"email":     []byte(strings.Repeat("e", MaxEmailBytes+1)),
			"expiresAt": []byte(strings.Repeat("9", maxExpiresAtBytes+1)),
			"loginURL":  []byte(strings.Repeat("u", MaxLoginURLBytes+1)),
		},
		wantData: map[string]string{},
	}, {
		name: "values at their bounds are kept",
		data: map[string][]byte{
			"email":     []byte(strings.Repeat("e", MaxEmailBytes)),
			"expiresAt": []byte(strings.Repeat("9", maxExpiresAtBytes)),
			"loginURL":  []byte(strings.Repeat("u", MaxLoginURLBytes)),
		},
		wantData: map[string]string{
			"email":     strings.Repeat("e", MaxEmailBytes),
			"expiresAt": strings.Repeat("9", maxExpiresAtBytes),
			"loginURL":  strings.Repeat("u", MaxLoginURLBytes),
		},
	}, {
		name:     "no data",
		wantData: map[string]string{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &corev1.Secret{ObjectMeta: tenantMeta("g"), Type: supportaccessv1alpha1.SecretTypeCredentials,
				Data: tt.data, Immutable: ptr.To(true)}
			transformTwice(t, s)
			checkOwnMeta(t, &s.ObjectMeta, "g")
			if s.Annotations != nil {
				t.Errorf("annotations kept: %d", len(s.Annotations))
			}
			got := map[string]string{}
			for k, v := range s.Data {
				got[k] = string(v)
			}
			if !reflect.DeepEqual(got, tt.wantData) {
				t.Errorf("data keys %v, want %v", keys(got), keys(tt.wantData))
			}
			if s.Type != supportaccessv1alpha1.SecretTypeCredentials || !ptr.Deref(s.Immutable, false) {
				t.Errorf("type %q, immutable %v: changed", s.Type, s.Immutable)
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCacheSelectsCredentialsSecrets(t *testing.T) {
	label, field, _ := byObjectFor(t, &corev1.Secret{})
	if want := "type=" + supportaccessv1alpha1.SecretTypeCredentials; field == nil || field.String() != want {
		t.Errorf("field selector %v, want %s", field, want)
	}
	if !label.Matches(labels.Set(ourLabels("g"))) || label.Matches(labels.Set{"app": "x"}) {
		t.Errorf("label selector %v does not select the operator's objects only", label)
	}
	for _, obj := range []client.Object{&rbacv1.RoleBinding{}, &coordinationv1.Lease{}} {
		if l, _, _ := byObjectFor(t, obj); l == nil || l.Empty() {
			t.Errorf("%T cached without a label selector", obj)
		}
	}
}

func TestTransformLease(t *testing.T) {
	long := strings.Repeat("h", maxLeaseSpecBytes+1)
	tests := []struct {
		name            string
		annotations     map[string]string
		holder          *string
		wantAnnotations []string
		wantHolder      *string
	}{{
		name: "session Lease keeps the operator's annotations and its holder",
		annotations: map[string]string{
			"supportaccess.io/session-mac": strings.Repeat("f", 64), "supportaccess.io/credentials-issued-at": "2030-01-01T00:00:00Z",
			"example.com/big": strings.Repeat("a", 200<<10), "supportaccess.io/big": strings.Repeat("b", maxLeaseAnnotationBytes+1),
		},
		holder:          ptr.To("supportaccess:support-a@x.test"),
		wantAnnotations: []string{"supportaccess.io/credentials-issued-at", "supportaccess.io/session-mac"},
		wantHolder:      ptr.To("supportaccess:support-a@x.test"),
	}, {
		name:            "many operator annotations: the first few by key",
		annotations:     manyAnnotations(100),
		wantAnnotations: []string{"supportaccess.io/n-000", "supportaccess.io/n-001", "supportaccess.io/n-002", "supportaccess.io/n-003", "supportaccess.io/n-004", "supportaccess.io/n-005", "supportaccess.io/n-006", "supportaccess.io/n-007"},
	}, {
		name:   "oversize holder is dropped",
		holder: &long,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tenantMeta("g")
			m.Annotations = tt.annotations
			// A session Lease's owner reference names its grant and is no controller reference.
			m.OwnerReferences[len(m.OwnerReferences)-1].Controller = nil
			l := &coordinationv1.Lease{ObjectMeta: m, Spec: coordinationv1.LeaseSpec{
				HolderIdentity: tt.holder, PreferredHolder: &long,
				RenewTime: &metav1.MicroTime{}, LeaseDurationSeconds: ptr.To[int32](30),
			}}
			transformTwice(t, l)
			got := keys(l.Annotations)
			if len(got) != len(tt.wantAnnotations) {
				t.Fatalf("annotations %v, want %v", got, tt.wantAnnotations)
			}
			for _, k := range tt.wantAnnotations {
				if l.Annotations[k] != tt.annotations[k] {
					t.Errorf("annotation %s = %q, want %q", k, l.Annotations[k], tt.annotations[k])
				}
			}
			if !reflect.DeepEqual(l.Spec.HolderIdentity, tt.wantHolder) || l.Spec.PreferredHolder != nil {
				t.Errorf("holder %v, preferred holder %v", l.Spec.HolderIdentity, l.Spec.PreferredHolder)
			}
			if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
				t.Error("spec times dropped")
			}
			if len(l.OwnerReferences) == 0 || l.OwnerReferences[0].Name != "g" || l.OwnerReferences[0].UID != "uid-grant" {
				t.Errorf("owner references %+v: want the one naming the grant label first", l.OwnerReferences)
			}
			if !reflect.DeepEqual(l.Labels, ourLabels("g")) || l.Finalizers != nil || len(l.OwnerReferences) > maxOwnerRefs {
				t.Errorf("metadata not trimmed: labels %v, finalizers %v, %d owner references", l.Labels, l.Finalizers, len(l.OwnerReferences))
			}
		})
	}
}

func manyAnnotations(n int) map[string]string {
	out := map[string]string{}
	for i := range n {
		out[fmt.Sprintf("supportaccess.io/n-%03d", i)] = "v"
	}
	return out
}

func TestTransformRoleBinding(t *testing.T) {
	want := rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "supportaccess:support-a@x.test"}
	huge := rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: strings.Repeat("n", mib)}
	role := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "supportaccess-limited"}
	many := make([]rbacv1.Subject, 100_000)
	for i := range many {
		many[i] = rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: fmt.Sprintf("u%d", i)}
	}
	tests := []struct {
		name         string
		subjects     []rbacv1.Subject
		roleRef      rbacv1.RoleRef
		wantSubjects []rbacv1.Subject
		wantRoleRef  rbacv1.RoleRef
	}{{
		name:         "the operator's binding is kept as it is",
		subjects:     []rbacv1.Subject{want},
		roleRef:      role,
		wantSubjects: []rbacv1.Subject{want},
		wantRoleRef:  role,
	}, {
		name:         "100,000 subjects: the first few",
		subjects:     append([]rbacv1.Subject{want}, many...),
		roleRef:      role,
		wantSubjects: []rbacv1.Subject{want, many[0], many[1], many[2]},
		wantRoleRef:  role,
	}, {
		name:         "an oversize subject becomes a placeholder, not nothing",
		subjects:     []rbacv1.Subject{want, huge},
		roleRef:      role,
		wantSubjects: []rbacv1.Subject{want, {}},
		wantRoleRef:  role,
	}, {
		name:         "an oversize role name is dropped",
		subjects:     []rbacv1.Subject{want},
		roleRef:      rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: strings.Repeat("r", mib)},
		wantSubjects: []rbacv1.Subject{want},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rb := &rbacv1.RoleBinding{ObjectMeta: tenantMeta("g"), Subjects: tt.subjects, RoleRef: tt.roleRef}
			transformTwice(t, rb)
			checkOwnMeta(t, &rb.ObjectMeta, "g")
			if !reflect.DeepEqual(rb.Subjects, tt.wantSubjects) || rb.RoleRef != tt.wantRoleRef {
				t.Errorf("subjects %d %.200v, roleRef %.80v", len(rb.Subjects), rb.Subjects, rb.RoleRef)
			}
			if cap(rb.Subjects) > maxSubjects {
				t.Errorf("subjects keep an array of %d", cap(rb.Subjects))
			}
			// What ensureRoleBinding relies on: a list that was not exactly the wanted one
			// still differs from it.
			wasWanted := len(tt.subjects) == 1 && tt.subjects[0] == want
			if same := equality.Semantic.DeepEqual(rb.Subjects, []rbacv1.Subject{want}); same != wasWanted {
				t.Errorf("cached subjects equal the wanted ones: %v; the binding's were: %v", same, wasWanted)
			}
		})
	}
}

func TestTransformTenantObjects(t *testing.T) {
	grant := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: tenantMeta("g"),
		Spec:   supportaccessv1alpha1.SupportAccessGrantSpec{Reason: "ticket"},
		Status: supportaccessv1alpha1.SupportAccessGrantStatus{LoginEmail: "support-a@x.test"}}
	grant.Finalizers = append(grant.Finalizers, supportaccessv1alpha1.GrantFinalizer)
	policy := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: tenantMeta("g")}
	// Only the operator's finalizer is kept: a tenant can add thousands, and the controller's
	// finalizer patch starts from a grant read around the cache.
	wantFinalizers := map[client.Object][]string{grant: {supportaccessv1alpha1.GrantFinalizer}, policy: nil}
	for _, obj := range []client.Object{grant, policy} {
		t.Run(fmt.Sprintf("%T", obj), func(t *testing.T) {
			finalizers := wantFinalizers[obj]
			transformTwice(t, obj)
			if obj.GetLabels() != nil || obj.GetAnnotations() != nil || obj.GetOwnerReferences() != nil || obj.GetManagedFields() != nil {
				t.Errorf("kept %d labels, %d annotations, %d owner references, %d managed fields", len(obj.GetLabels()),
					len(obj.GetAnnotations()), len(obj.GetOwnerReferences()), len(obj.GetManagedFields()))
			}
			if !reflect.DeepEqual(obj.GetFinalizers(), finalizers) {
				t.Errorf("finalizers %v, want %v", obj.GetFinalizers(), finalizers)
			}
			if obj.GetName() != "obj" || obj.GetUID() != "uid-1" {
				t.Errorf("identity changed: %s %s", obj.GetName(), obj.GetUID())
			}
		})
	}
	if grant.Spec.Reason != "ticket" || grant.Status.LoginEmail != "support-a@x.test" {
		t.Errorf("grant spec or status changed: %+v %+v", grant.Spec, grant.Status)
	}
}

// A tenant can pad a status with 8 conditions of 32 KiB (the schema's bounds): the cache keeps
// 1 KiB of each message.
func TestTransformCutsConditionMessages(t *testing.T) {
	pad := func() []metav1.Condition {
		return []metav1.Condition{
			{Type: "Ready", Message: "Credentials in Secret x are valid"},
			{Type: "Pad", Message: strings.Repeat("é", 16<<10)}, // 32 KiB of two-byte characters
		}
	}
	grant := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: tenantMeta("g"),
		Status: supportaccessv1alpha1.SupportAccessGrantStatus{Conditions: pad()}}
	policy := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: tenantMeta("p"),
		Status: supportaccessv1alpha1.AccountSessionPolicyStatus{Conditions: pad()}}
	transformTwice(t, grant)
	transformTwice(t, policy)
	for name, conditions := range map[string][]metav1.Condition{"grant": grant.Status.Conditions, "policy": policy.Status.Conditions} {
		if conditions[0].Message != "Credentials in Secret x are valid" {
			t.Errorf("%s: a short message changed: %q", name, conditions[0].Message)
		}
		if n := len(conditions[1].Message); n > maxConditionMessageBytes || n < maxConditionMessageBytes-1 || !utf8.ValidString(conditions[1].Message) {
			t.Errorf("%s: padded message cut to %d bytes (valid UTF-8: %v), want %d", name, n, utf8.ValidString(conditions[1].Message), maxConditionMessageBytes)
		}
	}
}

func TestTransformUnexpectedObjects(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Annotations: map[string]string{"a": "b"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "x"}}}}
	inputs := []any{
		nil,
		"a string",
		toolscache.DeletedFinalStateUnknown{Key: "ns/s", Obj: &corev1.Secret{}},
		cm,
		(*corev1.Secret)(nil),
	}
	for _, obj := range []client.Object{&corev1.Secret{}, &rbacv1.RoleBinding{}, &coordinationv1.Lease{},
		&supportaccessv1alpha1.SupportAccessGrant{}, &supportaccessv1alpha1.AccountSessionPolicy{}} {
		_, _, transform := byObjectFor(t, obj)
		for _, in := range inputs {
			t.Run(fmt.Sprintf("%T/%T", obj, in), func(t *testing.T) {
				out, err := transform(in)
				if err != nil && in != nil {
					t.Errorf("transform(%T): %v", in, err)
				}
				if err == nil && !reflect.DeepEqual(out, in) && in != cm {
					t.Errorf("transform(%T) = %v, want it unchanged", in, out)
				}
			})
		}
	}
	if cm.ManagedFields != nil || cm.Annotations["a"] != "b" {
		t.Errorf("another kind: managed fields %v, annotations %v; want only the managed fields stripped", cm.ManagedFields, cm.Annotations)
	}
}
