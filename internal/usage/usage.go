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

// Package usage writes the two status fields of a SupportAccessGrant that describe its use:
// status.activeSessions and status.lastUsedAt.
//
// Each status field has one writer. These two belong to the auth service's usage report (its
// maintenance loop, on the leader, at most every 30 s per grant:
// docs/reference.md#debounced-writes) and to nothing else; every other status field belongs to the
// grant controller, which never writes these two. Because the field sets are disjoint, neither
// writer needs the other's fields to be current, and Report carries no resourceVersion: a write of
// the controller between the report's read and its patch cannot make it stale, and the report
// cannot make the controller's view of its own fields stale.
package usage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// FieldManager names the usage report in the grant's managedFields, so that
// `kubectl get sag -o yaml --show-managed-fields` shows who wrote activeSessions and lastUsedAt.
const FieldManager = "supportaccess-usage"

// Report sets a grant's status.activeSessions to active and, when lastUsed is set, its
// status.lastUsedAt to lastUsed (stored to the second). It is one JSON merge patch on the status
// subresource that names only those two fields, so nothing else in the status is touched, and it
// has no optimistic lock: Report is the only writer of these fields. The caller debounces (at
// most one call per grant every 30 s). A grant that is gone answers NotFound.
func Report(ctx context.Context, c client.StatusClient, key types.NamespacedName, active int32, lastUsed *time.Time) error {
	patch, err := Patch(active, lastUsed)
	if err != nil {
		return err
	}
	grant := &supportaccessv1alpha1.SupportAccessGrant{}
	grant.Namespace, grant.Name = key.Namespace, key.Name
	if err := c.Status().Patch(ctx, grant, client.RawPatch(types.MergePatchType, patch), client.FieldOwner(FieldManager)); err != nil {
		return fmt.Errorf("report usage of grant %s: %w", key, err)
	}
	return nil
}

// Patch returns the JSON merge patch Report sends: {"status":{"activeSessions":N}} plus
// "lastUsedAt" when lastUsed is set (not nil, not zero: a zero time would encode as null and clear
// the field). activeSessions is always present, zero included: a zero is
// what clears the count once the last session went away.
func Patch(active int32, lastUsed *time.Time) ([]byte, error) {
	if active < 0 {
		return nil, fmt.Errorf("active sessions must not be negative, got %d", active)
	}
	type status struct {
		ActiveSessions int32        `json:"activeSessions"`
		LastUsedAt     *metav1.Time `json:"lastUsedAt,omitempty"`
	}
	s := status{ActiveSessions: active}
	if lastUsed != nil && !lastUsed.IsZero() {
		t := metav1.NewTime(lastUsed.UTC().Truncate(time.Second))
		s.LastUsedAt = &t
	}
	return json.Marshal(map[string]status{"status": s})
}
