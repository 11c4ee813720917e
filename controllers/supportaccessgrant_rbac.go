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
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/identity"
)

const (
	componentRBAC = supportaccessv1alpha1.ComponentRBAC
	// roleBindingPrefix starts every RoleBinding the operator creates.
	roleBindingPrefix = "supportaccess-"
	maxNameLength     = 253
)

// RoleBindingName returns the name of the grant's RoleBinding. Names that would exceed the API's
// limit are shortened with a hash, so two long grant names never share a binding.
func RoleBindingName(grant *supportaccessv1alpha1.SupportAccessGrant) string {
	name := roleBindingPrefix + grant.Name
	if len(name) <= maxNameLength {
		return name
	}
	sum := sha256.Sum256([]byte(grant.Name))
	suffix := "-" + hex.EncodeToString(sum[:])[:10]
	return name[:maxNameLength-len(suffix)] + suffix
}

// clusterRoleFor returns the ClusterRole bound for the grant's access level.
func (r *SupportAccessGrantReconciler) clusterRoleFor(grant *supportaccessv1alpha1.SupportAccessGrant) string {
	if grant.Spec.AccessLevel == supportaccessv1alpha1.AccessLevelFull {
		return r.Options.FullClusterRole
	}
	return r.Options.LimitedClusterRole
}

// desiredRoleBinding binds the support user of the grant's login email to its access level's
// ClusterRole, in the account namespace only.
func (r *SupportAccessGrantReconciler) desiredRoleBinding(grant *supportaccessv1alpha1.SupportAccessGrant, email string) (*rbacv1.RoleBinding, error) {
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: grant.Namespace,
			Name:      RoleBindingName(grant),
			Labels: map[string]string{
				supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
				supportaccessv1alpha1.LabelGrant:     grant.Name,
				supportaccessv1alpha1.LabelComponent: componentRBAC,
			},
		},
		RoleRef: rbacv1.RoleRef{
			APIGroup: rbacv1.GroupName,
			Kind:     "ClusterRole",
			Name:     r.clusterRoleFor(grant),
		},
		Subjects: []rbacv1.Subject{{
			APIGroup: rbacv1.GroupName,
			Kind:     rbacv1.UserKind,
			Name:     identity.Username(email),
		}},
	}
	if err := controllerutil.SetControllerReference(grant, rb, r.Scheme); err != nil {
		return nil, fmt.Errorf("set owner of RoleBinding %s: %w", rb.Name, err)
	}
	return rb, nil
}

// ensureRoleBinding creates or corrects the grant's RoleBinding. A roleRef cannot be changed, so a
// new access level means delete (with a UID precondition) and create.
func (r *SupportAccessGrantReconciler) ensureRoleBinding(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, email string) error {
	desired, err := r.desiredRoleBinding(grant, email)
	if err != nil {
		return err
	}
	existing := &rbacv1.RoleBinding{}
	err = r.Get(ctx, types.NamespacedName{Namespace: desired.Namespace, Name: desired.Name}, existing)
	switch {
	case apierrors.IsNotFound(err):
		return r.createRoleBinding(ctx, grant, desired)
	case err != nil:
		return fmt.Errorf("get RoleBinding %s/%s: %w", desired.Namespace, desired.Name, err)
	}
	if !metav1.IsControlledBy(existing, grant) {
		return &bindingConflictError{name: existing.Name}
	}

	if existing.RoleRef != desired.RoleRef {
		if err := deleteWithUID(ctx, r.Client, existing); err != nil {
			return err
		}
		loggerFor(ctx, grant).Info("Switched access level", "roleBinding", desired.Name, "clusterRole", desired.RoleRef.Name)
		r.Recorder.Eventf(grant, nil, "Normal", "AccessLevelChanged", "Bind",
			"Support access is now %s (ClusterRole %s)", grant.Spec.AccessLevel, desired.RoleRef.Name)
		return r.createRoleBinding(ctx, grant, desired)
	}
	if equality.Semantic.DeepEqual(existing.Subjects, desired.Subjects) && labelsContain(existing.Labels, desired.Labels) {
		return nil
	}
	orig := existing.DeepCopy()
	existing.Subjects = desired.Subjects
	for k, v := range desired.Labels {
		if existing.Labels == nil {
			existing.Labels = map[string]string{}
		}
		existing.Labels[k] = v
	}
	if err := r.Patch(ctx, existing, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("update RoleBinding %s/%s: %w", existing.Namespace, existing.Name, err)
	}
	return nil
}

func (r *SupportAccessGrantReconciler) createRoleBinding(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, rb *rbacv1.RoleBinding) error {
	if err := r.Create(ctx, rb); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create RoleBinding %s/%s: %w", rb.Namespace, rb.Name, err)
		}
		// Not in the filtered cache: our own create the cache has not seen yet (its watch event
		// brings us back), or someone else's binding, which is never taken over.
		existing := &rbacv1.RoleBinding{}
		if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: rb.Namespace, Name: rb.Name}, existing); err != nil {
			return fmt.Errorf("read existing RoleBinding %s/%s: %w", rb.Namespace, rb.Name, err)
		}
		if !metav1.IsControlledBy(existing, grant) {
			return &bindingConflictError{name: rb.Name}
		}
	}
	return nil
}

// bindingConflictError says the RoleBinding name is taken by a binding the grant does not own.
type bindingConflictError struct{ name string }

func (e *bindingConflictError) Error() string {
	return fmt.Sprintf("RoleBinding %q exists and is not owned by this grant", e.name)
}

// deleteRoleBinding removes the grant's RoleBinding if the grant owns it.
func (r *SupportAccessGrantReconciler) deleteRoleBinding(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant) error {
	rb := &rbacv1.RoleBinding{}
	if err := r.Get(ctx, types.NamespacedName{Namespace: grant.Namespace, Name: RoleBindingName(grant)}, rb); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !metav1.IsControlledBy(rb, grant) {
		return nil
	}
	return deleteWithUID(ctx, r.Client, rb)
}

func labelsContain(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
