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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// Field index names, shared with the auth service.
const (
	// IndexGrantLoginEmail indexes grants by status.loginEmail: login looks grants up by email,
	// and issuing checks a new email is unused anywhere in the cluster.
	IndexGrantLoginEmail = "status.loginEmail"
	// IndexSecretEmail indexes credentials Secrets by their email key, which exists before the
	// grant's status records it.
	IndexSecretEmail = "data.email"
)

// RegisterIndexes adds the operator's cache indexes. Call it once per manager, before it starts.
func RegisterIndexes(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexer.IndexField(ctx, &supportaccessv1alpha1.SupportAccessGrant{}, IndexGrantLoginEmail,
		func(obj client.Object) []string {
			if email := obj.(*supportaccessv1alpha1.SupportAccessGrant).Status.LoginEmail; email != "" {
				return []string{email}
			}
			return nil
		}); err != nil {
		return fmt.Errorf("index grants by login email: %w", err)
	}
	if err := indexer.IndexField(ctx, &corev1.Secret{}, IndexSecretEmail,
		func(obj client.Object) []string {
			if email := obj.(*corev1.Secret).Data[supportaccessv1alpha1.SecretKeyEmail]; len(email) > 0 {
				return []string{string(email)}
			}
			return nil
		}); err != nil {
		return fmt.Errorf("index Secrets by email: %w", err)
	}
	return nil
}
