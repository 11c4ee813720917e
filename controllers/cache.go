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
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
)

// CacheOptions scopes the manager's cache to the operator's own Secrets, RoleBindings and
// session Leases (by label), and strips managed fields from everything cached: a cluster with
// 100,000 unrelated Secrets then costs the manager nothing.
func CacheOptions() cache.Options {
	ours := cache.ByObject{Label: labels.SelectorFromSet(labels.Set{
		supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
	})}
	stripManagedFields := cache.TransformStripManagedFields()
	secrets := ours
	// Credentials Secrets are cached with their password replaced by its SHA-256: the auth service
	// compares digests, and nothing else in the manager needs the plaintext.
	secrets.Transform = func(obj any) (any, error) {
		obj, err := stripManagedFields(obj)
		if secret, ok := obj.(*corev1.Secret); ok && err == nil {
			credentials.HidePassword(secret)
		}
		return obj, err
	}
	return cache.Options{
		DefaultTransform: stripManagedFields,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}:        secrets,
			&rbacv1.RoleBinding{}:   ours,
			&coordinationv1.Lease{}: ours,
		},
	}
}

// ClientOptions makes cached reads wait until the cache has seen this manager's own earlier writes
// (controller-runtime's read-your-writes consistency). Without it, a reconcile triggered by the
// event of a child we just created can read the grant as it was before our status write, and act
// on that stale state: restore old values into the Secret, or expire a grant that was just renewed.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{EnableReadYourWritesConsistency: ptr.To(true)}}
}
