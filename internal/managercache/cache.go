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

// Package managercache is the shape of the manager's cache: which objects of each kind it keeps,
// what of each it keeps (trimmed: a tenant writes what it likes in its namespace, and every byte
// cached per object is the manager's memory), and how it lists them. The controllers and the auth
// service share one cache, and so this one definition (docs/security.md#the-tenant-admin).
package managercache

import (
	"crypto/sha256"
	"reflect"
	"slices"
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/apilimits"
	"github.com/supportaccess/support-access-operator/internal/credentials"
)

// What the cache keeps of an object a tenant may write. An account admin can create any number of
// Secrets, Leases and RoleBindings in their namespace, with the operator's labels and up to the
// API's 1.5 MiB per object (docs/reference.md#tenant-model): every byte cached per object has to be
// bounded, or 250 of them fill the manager's 256 MiB. Bounds are far above anything the operator
// writes itself.
const (
	// MaxEmailBytes is RFC 5321's limit on an address; maxExpiresAtBytes fits any RFC 3339 time.
	// The manager refuses a --login-domain or --login-url whose values would not fit (cmd/main.go):
	// they would be dropped from the cache and written again on every reconcile.
	MaxEmailBytes     = 254
	maxExpiresAtBytes = 64
	MaxLoginURLBytes  = 2048
	// maxOwnerRefs: the controller reference and one more (a session Lease's reference to its
	// grant is no controller reference).
	maxOwnerRefs = 2
	// maxSubjects: the operator writes one subject; any other list only needs to compare unequal.
	maxSubjects     = 4
	maxSubjectBytes = 1024
	// maxRoleNameBytes is the longest name a ClusterRole can have.
	maxRoleNameBytes = 253
	// Session Leases: the session package's annotations (a seal, timestamps) and holder.
	maxLeaseAnnotations     = 8
	maxLeaseAnnotationBytes = 512
	maxLeaseSpecBytes       = 512
	// Owner reference fields: the grant's name is at most 253 bytes, a UID 36.
	maxOwnerNameBytes       = 253
	maxOwnerUIDBytes        = 64
	maxOwnerAPIVersionBytes = 64
)

// operatorPrefix starts the operator's label and annotation keys (supportaccess.io/).
var operatorPrefix = supportaccessv1alpha1.GroupVersion.Group + "/"

// credentialDataBounds are the credentials Secret's data keys the manager reads, each with the
// largest value it keeps. The password is not among them: HidePassword has already swapped it for
// its 32-byte hash, which only it can write (':' is not allowed in keys that come from the API).
var credentialDataBounds = map[string]int{
	supportaccessv1alpha1.SecretKeyEmail:     MaxEmailBytes,
	supportaccessv1alpha1.SecretKeyExpiresAt: maxExpiresAtBytes,
	supportaccessv1alpha1.SecretKeyLoginURL:  MaxLoginURLBytes,
	credentials.PasswordHashKey:              sha256.Size,
}

// CacheOptions scopes the manager's cache to the operator's own Secrets, RoleBindings and
// session Leases (by label, and Secrets by type), and keeps of each cached object only what the
// manager reads, each part bounded: a cluster with 100,000 unrelated Secrets then costs the manager
// nothing, and a tenant's labelled 1 MiB objects cost it about a KiB each. How those
// objects reach the transforms, and what that costs, is in cache_list.go.
func Options() cache.Options {
	ours := labels.SelectorFromSet(labels.Set{
		supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
	})
	byObject := map[client.Object]cache.ByObject{
		&corev1.Secret{}: {
			Label: ours,
			// Selected by kube-apiserver, so a tenant's labelled Opaque Secrets never reach us.
			// The grant controller reads other Secrets (a name already taken) around the cache.
			Field:     fields.OneTermEqualSelector("type", supportaccessv1alpha1.SecretTypeCredentials),
			Transform: transformOf(trimSecret),
		},
		&rbacv1.RoleBinding{}:   {Label: ours, Transform: transformOf(trimRoleBinding)},
		&coordinationv1.Lease{}: {Label: ours, Transform: transformOf(trimLease)},
		&supportaccessv1alpha1.SupportAccessGrant{}: {
			Transform: transformOf(func(g *supportaccessv1alpha1.SupportAccessGrant) {
				trimTenantMeta(&g.ObjectMeta)
				trimConditions(g.Status.Conditions)
			}),
		},
		&supportaccessv1alpha1.AccountSessionPolicy{}: {
			Transform: transformOf(func(p *supportaccessv1alpha1.AccountSessionPolicy) {
				trimTenantMeta(&p.ObjectMeta)
				trimConditions(p.Status.Conditions)
			}),
		},
	}
	return cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject:         byObject,
		NewInformer:      pagedListInformer(byObject),
	}
}

// transformOf turns trim into a cache transform, which also counts what trim dropped (see
// collectIfMuchDropped). Anything else (a tombstone, a metadata-only object) passes with only its
// managed fields stripped. Every trim is idempotent: informers may run a transform twice on one
// object.
func transformOf[T any](trim func(*T)) toolscache.TransformFunc {
	return func(obj any) (any, error) {
		if t, ok := obj.(*T); ok {
			if t != nil {
				before := encodedSize(t)
				trim(t)
				collectIfMuchDropped(before - encodedSize(t))
			}
			return obj, nil
		}
		if m, ok := obj.(metav1.Object); ok && !isNilPointer(m) {
			m.SetManagedFields(nil)
		}
		return obj, nil
	}
}

// encodedSize is the protobuf size of obj, or of its metadata for the operator's own kinds (which
// have no protobuf encoding; the transforms trim only their metadata).
func encodedSize(obj any) int {
	switch o := obj.(type) {
	case interface{ Size() int }:
		return o.Size()
	case *supportaccessv1alpha1.SupportAccessGrant:
		return o.ObjectMeta.Size()
	case *supportaccessv1alpha1.AccountSessionPolicy:
		return o.ObjectMeta.Size()
	}
	return 0
}

func isNilPointer(obj any) bool {
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// trimSecret keeps of a credentials Secret its identity, the operator's labels, its grant owner
// references and the data keys of credentialDataBounds. The password becomes its hash first,
// whatever its size: the auth service compares digests, and nothing needs the plaintext. A value
// over its bound is dropped as if absent, and the grant controller writes it again.
func trimSecret(s *corev1.Secret) {
	trimOwnMeta(&s.ObjectMeta)
	credentials.HidePassword(s)
	s.Data = keepCredentialData(s.Data)
	s.StringData = nil // never in an object read from the API
}

func keepCredentialData(data map[string][]byte) map[string][]byte {
	var kept map[string][]byte
	for key, limit := range credentialDataBounds {
		if v, ok := data[key]; ok && len(v) <= limit {
			if kept == nil {
				kept = make(map[string][]byte, len(credentialDataBounds))
			}
			kept[key] = v
		}
	}
	return kept
}

// trimRoleBinding keeps a RoleBinding's identity, the operator's labels, grant owner references,
// roleRef and its first few subjects. The controller only compares the subjects with the single
// one it wants and replaces the whole list (a merge patch replaces lists) when they differ, so a
// truncated list is as good as the tenant's 100,000: it differs all the same.
func trimRoleBinding(rb *rbacv1.RoleBinding) {
	trimOwnMeta(&rb.ObjectMeta)
	if len(rb.RoleRef.Name) > maxRoleNameBytes {
		// No ClusterRole has such a name: the zero roleRef differs from the wanted one just as
		// well, so the controller still replaces the binding.
		rb.RoleRef = rbacv1.RoleRef{}
	}
	rb.Subjects = keepSubjects(rb.Subjects)
}

// keepSubjects copies the first maxSubjects subjects (a sub-slice would keep the whole array
// alive). An oversize subject becomes the zero Subject rather than disappearing, so that a list
// with one extra subject never shortens to exactly the one the controller wants.
func keepSubjects(subjects []rbacv1.Subject) []rbacv1.Subject {
	if len(subjects) == 0 {
		return nil
	}
	kept := make([]rbacv1.Subject, min(len(subjects), maxSubjects))
	for i, s := range subjects[:len(kept)] {
		if len(s.Kind)+len(s.APIGroup)+len(s.Name)+len(s.Namespace) <= maxSubjectBytes {
			kept[i] = s
		}
	}
	return kept
}

// trimLease keeps a Lease's identity, the operator's labels, grant owner references, its
// supportaccess.io/ annotations (where the session package keeps a session's seal and metadata;
// which ones is the session package's business, so none is named here) and its spec.
func trimLease(l *coordinationv1.Lease) {
	annotations := keepOperatorAnnotations(l.Annotations)
	trimOwnMeta(&l.ObjectMeta)
	l.Annotations = annotations
	l.Spec.HolderIdentity = boundedString(l.Spec.HolderIdentity, maxLeaseSpecBytes)
	l.Spec.PreferredHolder = boundedString(l.Spec.PreferredHolder, maxLeaseSpecBytes)
	l.Spec.Strategy = boundedString(l.Spec.Strategy, maxLeaseSpecBytes)
}

// keepOperatorAnnotations keeps at most maxLeaseAnnotations of the supportaccess.io/ annotations
// whose values are within maxLeaseAnnotationBytes: the first in key order, so that a second pass
// keeps the same ones.
func keepOperatorAnnotations(annotations map[string]string) map[string]string {
	var keys []string
	for k, v := range annotations {
		if strings.HasPrefix(k, operatorPrefix) && len(v) <= maxLeaseAnnotationBytes {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if len(keys) > maxLeaseAnnotations {
		slices.Sort(keys)
		keys = keys[:maxLeaseAnnotations]
	}
	kept := make(map[string]string, len(keys))
	for _, k := range keys {
		kept[k] = annotations[k]
	}
	return kept
}

// boundedString returns p, or nil if its value is longer than limit bytes.
func boundedString[S ~string](p *S, limit int) *S {
	if p != nil && len(*p) > limit {
		return nil
	}
	return p
}

// trimOwnMeta trims the metadata of an object kind the operator creates (Secret, RoleBinding,
// Lease) to what the manager reads: the operator's three labels (values are at most 63 bytes)
// and the owner references to grants. Annotations and finalizers go: nothing reads them, and the
// operator's patches are merge patches built from the cached copy, which leave alone what the
// cache dropped.
func trimOwnMeta(m *metav1.ObjectMeta) {
	m.ManagedFields = nil
	m.Labels = keepOperatorLabels(m.Labels)
	m.Annotations = nil
	m.Finalizers = nil
	m.OwnerReferences = keepGrantOwners(m.OwnerReferences, m.Labels[supportaccessv1alpha1.LabelGrant])
}

func keepOperatorLabels(in map[string]string) map[string]string {
	var kept map[string]string
	for _, k := range []string{supportaccessv1alpha1.LabelManagedBy, supportaccessv1alpha1.LabelGrant, supportaccessv1alpha1.LabelComponent} {
		if v, ok := in[k]; ok {
			if kept == nil {
				kept = make(map[string]string, 3)
			}
			kept[k] = v
		}
	}
	return kept
}

// keepGrantOwners keeps at most maxOwnerRefs owner references to SupportAccessGrants: the
// controller first (metav1.IsControlledBy and the auth service look for it, and the API allows only
// one), then those naming the object's grant label (how the session store finds a session's grant),
// then the others, each group in its order. A tenant can add thousands; none of them matters more.
func keepGrantOwners(refs []metav1.OwnerReference, grant string) []metav1.OwnerReference {
	rank := func(ref *metav1.OwnerReference) int {
		switch {
		case ptr.Deref(ref.Controller, false):
			return 0
		case ref.Name == grant:
			return 1
		default:
			return 2
		}
	}
	var kept []metav1.OwnerReference
	for want := range 3 {
		for i := range refs {
			if len(kept) == maxOwnerRefs {
				return kept
			}
			if isGrantOwner(&refs[i]) && rank(&refs[i]) == want {
				kept = append(kept, refs[i])
			}
		}
	}
	return kept
}

// isGrantOwner reports whether ref points at a SupportAccessGrant, with fields of sane sizes.
func isGrantOwner(ref *metav1.OwnerReference) bool {
	if ref.Kind != "SupportAccessGrant" || len(ref.APIVersion) > maxOwnerAPIVersionBytes ||
		len(ref.Name) > maxOwnerNameBytes || len(ref.UID) > maxOwnerUIDBytes {
		return false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return err == nil && gv.Group == supportaccessv1alpha1.GroupVersion.Group
}

// trimTenantMeta trims the metadata of the tenants' own objects (grants, policies): the manager
// reads their spec, status, name, UID, generation and whether the operator's finalizer is there,
// never their labels, annotations (kubectl's last-applied-configuration, or a 1 MiB one of the
// tenant's), owner references or other finalizers (a tenant can add thousands). The controller
// patches grants with merge patches from the cached copy, which leave what the cache dropped alone
// (a status patch rebased on a grant read around the cache does name them, but the status
// subresource ignores metadata); its finalizer patch, which replaces the whole list, starts from a
// grant read around the cache (SupportAccessGrantReconciler.patchFinalizer).
func trimTenantMeta(m *metav1.ObjectMeta) {
	m.ManagedFields = nil
	m.Labels = nil
	m.Annotations = nil
	m.OwnerReferences = nil
	if slices.Contains(m.Finalizers, supportaccessv1alpha1.GrantFinalizer) {
		m.Finalizers = []string{supportaccessv1alpha1.GrantFinalizer}
	} else {
		m.Finalizers = nil
	}
}

// maxConditionMessageBytes bounds each cached condition message. The schema allows 8 conditions of
// 32 KiB each in a status a tenant can write (256 KiB per grant); the operator's own messages are
// a few hundred bytes. A cut message differs from the controller's, which then writes its own.
const maxConditionMessageBytes = 1024

// trimConditions cuts condition messages to maxConditionMessageBytes, at a UTF-8 boundary.
func trimConditions(conditions []metav1.Condition) {
	for i := range conditions {
		if len(conditions[i].Message) > maxConditionMessageBytes {
			conditions[i].Message = strings.Clone(apilimits.Truncate(conditions[i].Message, maxConditionMessageBytes))
		}
	}
}

// ClientOptions makes cached reads wait until the cache has seen this manager's own earlier writes
// (controller-runtime's read-your-writes consistency). Without it, a reconcile triggered by the
// event of a child we just created can read the grant as it was before our status write, and act
// on that stale state: restore old values into the Secret, or expire a grant that was just renewed.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{EnableReadYourWritesConsistency: ptr.To(true)}}
}
