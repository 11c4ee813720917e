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
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/apilimits"
)

// maxConditionMessage keeps a failure's message short enough to read in kubectl get -o wide
// and to fit an event's note.
const maxConditionMessage = maxEventNote

// recordFailure writes a failed reconcile to the grant's status before retrying, as cluster-api's
// deferred status patch does, so that a lasting failure is visible instead of retried in silence
// (docs/status.md):
//   - RBAC refused the manager a write (Forbidden): retrying alone cannot help, so Ready=False and
//     Stalled=True, reason Forbidden;
//   - anything else: Ready=False and Reconciling=True, reason ReconcileError.
//
// Either way the error goes back to the work queue: its backoff is capped at 2 s (SetupWithManager),
// so a revocation whose cleanup was refused completes within seconds of the RBAC being fixed. A
// Warning event says so once per distinct failure. An optimistic-lock conflict is not recorded: it
// only means a newer version of an object is on its way, and its event queues the grant again.
func (r *SupportAccessGrantReconciler) recordFailure(ctx context.Context, orig, grant *supportaccessv1alpha1.SupportAccessGrant, err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) {
		return ctrl.Result{}, err
	}
	message := apilimits.Truncate(err.Error(), maxConditionMessage)
	if apierrors.IsForbidden(err) {
		setStalled(grant, supportaccessv1alpha1.ReasonForbidden, message)
	} else {
		setRetrying(grant, message)
	}
	if perr := r.patchStatus(ctx, orig, grant); perr != nil && !errors.Is(perr, errStaleObject) {
		logf.FromContext(ctx).Error(perr, "Cannot record a failure in the grant's status", "grant", klog.KObj(grant))
	}
	r.emitFailureEvent(orig, grant)
	return ctrl.Result{}, err
}
