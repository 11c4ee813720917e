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

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// SessionLabels select every session Lease of one grant: the labels internal/session gives them.
func SessionLabels(grantName string) client.MatchingLabels {
	return client.MatchingLabels(session.Labels(grantName))
}

// endSessions deletes every session of the grant. The auth service already refuses them from the
// moment the grant stops being Active; deleting the Leases makes that true on every replica and
// after any restart too.
//
// A session Lease's name is session-<SHA-256 of the token>, and every error about one names it
// (the API's message, a transport error's URL), while Reconcile's errors end up in the manager's
// log. So the errors returned here say which grant and what failed, never which Lease
// (session.Redact), and keep the API status for the predicates of apierrors.
func (r *SupportAccessGrantReconciler) endSessions(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant) error {
	sessions := &coordinationv1.LeaseList{}
	if err := r.List(ctx, sessions, client.InNamespace(grant.Namespace), SessionLabels(grant.Name)); err != nil {
		return fmt.Errorf("list sessions of grant %s/%s: %w", grant.Namespace, grant.Name, err)
	}
	for i := range sessions.Items {
		if err := deleteSession(ctx, r.Client, &sessions.Items[i]); err != nil {
			return session.Redact(fmt.Sprintf("end session of grant %s/%s", grant.Namespace, grant.Name), err)
		}
	}
	return nil
}

// deleteSession deletes a session Lease if it is still the one we read (same UID), ignoring
// NotFound and Conflict as deleteWithUID does. Unlike deleteWithUID it returns the API's error
// as it is, for the caller to redact: wrapping it with the object's name would print the token's
// hash.
func deleteSession(ctx context.Context, c client.Client, lease *coordinationv1.Lease) error {
	uid := lease.GetUID()
	err := c.Delete(ctx, lease, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}
