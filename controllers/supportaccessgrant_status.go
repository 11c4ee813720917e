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
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/expiry"
)

// errStaleObject means the grant changed since we read it; its newer version is already queued.
var errStaleObject = errors.New("grant changed since it was read")

// maxStatusRebases bounds how often one status write is retried on top of writes that did not
// touch what the controller depends on; past it, the watch event of the latest write requeues.
const maxStatusRebases = 3

// patchStatus writes the controller's own status fields, only when they changed.
//
// One writer per status field: the controller owns every field but status.activeSessions and
// status.lastUsedAt, which belong to the auth service's usage report (internal/usage) alone. A
// merge patch holds only what differs between orig and grant, so the controller's patch can never
// contain those two while it never changes them; keepUsage makes that hold whatever the code that
// filled grant did. When a grant stops being Active the controller deletes its sessions
// (removeAccess), and the usage report writes the zero count within its 30 s debounce: the
// controller never zeroes it itself, or the two writers would flap.
//
// The patch carries orig's resourceVersion: a reconcile working from a stale cached copy must not
// overwrite (or re-announce) what a newer one wrote. A conflict is not staleness, though, when the
// writes in between changed nothing the controller computed from (the spec, its own status
// fields): usage reports, labels, annotations. Then the same patch is sent again on top of the
// stored grant, so that a grant in use does not make every status write of the controller fail.
func (r *SupportAccessGrantReconciler) patchStatus(ctx context.Context, orig, grant *supportaccessv1alpha1.SupportAccessGrant) error {
	keepUsage(orig, grant)
	if equality.Semantic.DeepEqual(orig.Status, grant.Status) {
		return nil
	}
	base := orig
	for rebases := 0; ; rebases++ {
		err := r.Status().Patch(ctx, grant, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
		switch {
		case err == nil:
			return nil
		case apierrors.IsNotFound(err):
			return errStaleObject
		case !apierrors.IsConflict(err):
			return fmt.Errorf("update status: %w", err)
		case r.APIReader == nil || rebases == maxStatusRebases:
			return errStaleObject
		}
		stored := &supportaccessv1alpha1.SupportAccessGrant{}
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(grant), stored); err != nil {
			if apierrors.IsNotFound(err) {
				return errStaleObject
			}
			return fmt.Errorf("read grant after a status conflict: %w", err)
		}
		if !sameControllerInputs(orig, stored) {
			return errStaleObject
		}
		// The patch is the difference between base and grant: rebased on the stored grant, with
		// the stored usage in grant too, it holds exactly the controller's changes again.
		logf.FromContext(ctx).V(1).Info("Status write crossed writes of other fields; writing it again on the stored grant",
			"grant", klog.KObj(grant), "resourceVersion", stored.ResourceVersion)
		keepUsage(stored, grant)
		base = stored
	}
}

// keepUsage copies the usage fields, which only the usage report writes, from orig into grant:
// a merge patch from orig to grant then never names them.
func keepUsage(orig, grant *supportaccessv1alpha1.SupportAccessGrant) {
	grant.Status.ActiveSessions = orig.Status.ActiveSessions
	grant.Status.LastUsedAt = orig.Status.LastUsedAt.DeepCopy()
}

// sameControllerInputs reports whether stored differs from read only where the controller does not
// look: its spec (generation), identity, deletion and the status fields the controller owns are
// the same. Only then may a status computed from read be written over stored.
func sameControllerInputs(read, stored *supportaccessv1alpha1.SupportAccessGrant) bool {
	if read.UID != stored.UID || read.Generation != stored.Generation ||
		!equality.Semantic.DeepEqual(read.DeletionTimestamp, stored.DeletionTimestamp) {
		return false
	}
	ours := func(g *supportaccessv1alpha1.SupportAccessGrant) supportaccessv1alpha1.SupportAccessGrantStatus {
		s := *g.Status.DeepCopy()
		s.ActiveSessions, s.LastUsedAt = 0, nil
		return s
	}
	return equality.Semantic.DeepEqual(ours(read), ours(stored))
}

func setCondition(grant *supportaccessv1alpha1.SupportAccessGrant, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&grant.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: grant.Generation,
	})
}

// setSettled records that the grant's generation is handled: nothing under way, nothing stuck.
func setSettled(grant *supportaccessv1alpha1.SupportAccessGrant) {
	meta.RemoveStatusCondition(&grant.Status.Conditions, supportaccessv1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(&grant.Status.Conditions, supportaccessv1alpha1.ConditionStalled)
}

// setStalled records what retrying cannot fix until someone acts: Ready=False and Stalled=True,
// with the same reason and message. The generation counts as handled (status.observedGeneration):
// the operator has done all it can with it.
func setStalled(grant *supportaccessv1alpha1.SupportAccessGrant, reason, message string) {
	s := &grant.Status
	if s.Phase == "" {
		s.Phase = supportaccessv1alpha1.GrantPhasePending
	}
	setCondition(grant, supportaccessv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	setCondition(grant, supportaccessv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(&s.Conditions, supportaccessv1alpha1.ConditionReconciling)
	s.ObservedGeneration = grant.Generation
}

// setRetrying records a failed step that is retried: Ready=False and Reconciling=True. The
// generation is not handled yet, so status.observedGeneration stays where it was. The phase stays
// too: an Active grant whose refresh failed still has its credentials.
func setRetrying(grant *supportaccessv1alpha1.SupportAccessGrant, message string) {
	s := &grant.Status
	if s.Phase == "" {
		s.Phase = supportaccessv1alpha1.GrantPhasePending
	}
	setCondition(grant, supportaccessv1alpha1.ConditionReady, metav1.ConditionFalse, supportaccessv1alpha1.ReasonReconcileError, message)
	setCondition(grant, supportaccessv1alpha1.ConditionReconciling, metav1.ConditionTrue, supportaccessv1alpha1.ReasonReconcileError, "Retrying: "+message)
	meta.RemoveStatusCondition(&s.Conditions, supportaccessv1alpha1.ConditionStalled)
}

// setActiveStatus records issued credentials valid for window.
func setActiveStatus(grant *supportaccessv1alpha1.SupportAccessGrant, creds issuedCredentials, window expiry.Window, now time.Time) {
	s := &grant.Status
	firstIssue := s.LoginEmail == ""
	if creds.fresh || s.IssuedAt == nil {
		s.IssuedAt = &metav1.Time{Time: now}
	}
	s.Phase = supportaccessv1alpha1.GrantPhaseActive
	s.LoginEmail = creds.email
	s.SecretName = creds.secretName
	s.ExpiresAt = &metav1.Time{Time: window.End}
	s.RevokedAt = nil
	setSettled(grant)

	reason := supportaccessv1alpha1.ReasonIssued
	if !firstIssue && grant.Spec.RenewedAt != nil {
		reason = supportaccessv1alpha1.ReasonRenewed
	}
	setCondition(grant, supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, reason,
		fmt.Sprintf("Credentials in Secret %s are valid until %s", creds.secretName, formatTime(window.End)))

	if now.Before(window.WarnAt()) {
		setCondition(grant, supportaccessv1alpha1.ConditionExpiringSoon, metav1.ConditionFalse, supportaccessv1alpha1.ReasonWithinWindow,
			fmt.Sprintf("Access expires at %s", formatTime(window.End)))
	} else {
		setCondition(grant, supportaccessv1alpha1.ConditionExpiringSoon, metav1.ConditionTrue, supportaccessv1alpha1.ReasonExpiringSoon,
			fmt.Sprintf("Access expires at %s; set spec.renewedAt to extend it", formatTime(window.End)))
	}
}

// setExpiredStatus records that the window has ended. Ready is True, as for Revoked and NotYetValid:
// the grant is as its spec asks (kstatus's Current, so GitOps tools do not wait on it forever);
// status.phase says that it gives no access (docs/status.md).
func setExpiredStatus(grant *supportaccessv1alpha1.SupportAccessGrant, window expiry.Window) {
	s := &grant.Status
	s.Phase = supportaccessv1alpha1.GrantPhaseExpired
	s.ExpiresAt = &metav1.Time{Time: window.End}
	s.SecretName = ""
	setSettled(grant)
	setCondition(grant, supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonExpired,
		fmt.Sprintf("Access expired at %s; credentials are deleted. Set spec.renewedAt to renew with fresh credentials", formatTime(window.End)))
	meta.RemoveStatusCondition(&s.Conditions, supportaccessv1alpha1.ConditionExpiringSoon)
}

// setRevokedStatus records the revocation; revokedAt keeps the first time it was observed.
func setRevokedStatus(grant *supportaccessv1alpha1.SupportAccessGrant, now time.Time) {
	s := &grant.Status
	if s.RevokedAt == nil {
		s.RevokedAt = &metav1.Time{Time: now}
	}
	s.Phase = supportaccessv1alpha1.GrantPhaseRevoked
	s.SecretName = ""
	setSettled(grant)
	setCondition(grant, supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonRevoked,
		fmt.Sprintf("Access revoked at %s; credentials are deleted and sessions ended. Create a new grant to give access again", formatTime(s.RevokedAt.Time)))
	meta.RemoveStatusCondition(&s.Conditions, supportaccessv1alpha1.ConditionExpiringSoon)
}

// setNotYetValidStatus records a window that starts too far in the future to count yet.
func setNotYetValidStatus(grant *supportaccessv1alpha1.SupportAccessGrant, window expiry.Window) {
	s := &grant.Status
	s.Phase = supportaccessv1alpha1.GrantPhasePending
	s.SecretName = ""
	setSettled(grant)
	setCondition(grant, supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonNotYetValid,
		fmt.Sprintf("spec.renewedAt %s is more than %s ahead; no access until then", formatTime(window.Start), expiry.MaxRenewalLead))
	meta.RemoveStatusCondition(&s.Conditions, supportaccessv1alpha1.ConditionExpiringSoon)
}

// setConflictStatus records that the Secret name is taken by a Secret the grant does not own.
func setConflictStatus(grant *supportaccessv1alpha1.SupportAccessGrant, conflict *secretConflictError) {
	withholdAccess(grant)
	setStalled(grant, supportaccessv1alpha1.ReasonSecretConflict,
		fmt.Sprintf("Secret %s already exists and is not owned by this grant; it is left untouched. Delete it or set spec.secretName on a new grant", conflict.name))
}

// withholdAccess marks a grant that cannot be issued: Pending, with no credentials Secret named.
func withholdAccess(grant *supportaccessv1alpha1.SupportAccessGrant) {
	if grant.Status.Phase == "" || grant.Status.Phase == supportaccessv1alpha1.GrantPhaseActive {
		grant.Status.Phase = supportaccessv1alpha1.GrantPhasePending
	}
	grant.Status.SecretName = ""
}

// setBindingConflictStatus records that the RoleBinding name is taken by a binding the grant
// does not own.
func setBindingConflictStatus(grant *supportaccessv1alpha1.SupportAccessGrant, conflict *bindingConflictError) {
	withholdAccess(grant)
	setStalled(grant, supportaccessv1alpha1.ReasonRoleBindingConflict,
		fmt.Sprintf("RoleBinding %s already exists and is not owned by this grant; it is left untouched and no access is given until it is removed", conflict.name))
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
