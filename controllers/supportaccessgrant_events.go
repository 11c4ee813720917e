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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/apilimits"
	"github.com/supportaccess/support-access-operator/internal/expiry"
)

// maxEventNote is the API's limit on an event's note.
const maxEventNote = apilimits.MaxEventNote

// ReasonCredentialsReissued: the status named a login email the operator did not issue to the
// grant, so the grant got fresh credentials (docs/security.md, "Upgrading").
const ReasonCredentialsReissued = "CredentialsReissued"

// emitTransitionEvents announces what this reconcile changed, once it is written. Every event
// derives from the difference between the status read and the status written, so a reconcile that
// changes nothing announces nothing. Notes carry the grant's reason, never a password.
// creds says what this reconcile did to the credentials.
func (r *SupportAccessGrantReconciler) emitTransitionEvents(orig, grant *supportaccessv1alpha1.SupportAccessGrant, window expiry.Window, creds issuedCredentials) {
	before, after := orig.Status, grant.Status
	event := func(eventType, reason, action, note string) {
		if grant.Spec.Reason != "" {
			note += " (reason: " + grant.Spec.Reason + ")"
		}
		r.Recorder.Eventf(grant, nil, eventType, reason, action, "%s", apilimits.Truncate(note, maxEventNote))
		grantTransitions.WithLabelValues(reason).Inc()
	}
	until := formatTime(window.End)

	switch {
	case after.Phase == supportaccessv1alpha1.GrantPhaseRevoked && before.Phase != after.Phase:
		event(corev1.EventTypeNormal, supportaccessv1alpha1.ReasonRevoked, "Revoke",
			"Access revoked: credentials deleted and sessions ended")
	case after.Phase == supportaccessv1alpha1.GrantPhaseExpired && before.Phase != after.Phase:
		event(corev1.EventTypeNormal, supportaccessv1alpha1.ReasonExpired, "Expire",
			fmt.Sprintf("Access expired at %s: credentials deleted and sessions ended", until))
	case after.Phase == supportaccessv1alpha1.GrantPhaseActive && before.Phase == supportaccessv1alpha1.GrantPhaseExpired:
		event(corev1.EventTypeNormal, supportaccessv1alpha1.ReasonRenewed, "Renew",
			fmt.Sprintf("Renewed with fresh credentials for %s in Secret %s, valid until %s", after.LoginEmail, after.SecretName, until))
	case after.Phase == supportaccessv1alpha1.GrantPhaseActive && creds.unverified:
		event(corev1.EventTypeWarning, ReasonCredentialsReissued, "Issue",
			fmt.Sprintf("status.loginEmail was not issued to this grant by the operator (edited, or issued before login emails "+
				"were bound to their grant): issued fresh credentials for %s in Secret %s, valid until %s, and ended the old sessions",
				after.LoginEmail, after.SecretName, until))
	case after.Phase == supportaccessv1alpha1.GrantPhaseActive && before.LoginEmail == "":
		event(corev1.EventTypeNormal, supportaccessv1alpha1.ReasonIssued, "Issue",
			fmt.Sprintf("Issued credentials for %s in Secret %s, valid until %s", after.LoginEmail, after.SecretName, until))
	case after.Phase == supportaccessv1alpha1.GrantPhaseActive && creds.replaced:
		event(corev1.EventTypeWarning, "CredentialsReplaced", "Issue",
			fmt.Sprintf("Secret %s was deleted or emptied: issued fresh credentials for %s and ended the old sessions", after.SecretName, after.LoginEmail))
	case after.Phase == supportaccessv1alpha1.GrantPhaseActive && before.Phase == supportaccessv1alpha1.GrantPhaseActive &&
		!before.ExpiresAt.Equal(after.ExpiresAt):
		// Renewed only when the window was pushed out: a renewedAt in the past, or a shorter
		// duration, brings the end forward, and calling that a renewal would mislead a reviewer.
		reason := "ValidityChanged"
		if grant.Spec.RenewedAt != nil && before.ExpiresAt != nil && after.ExpiresAt.After(before.ExpiresAt.Time) {
			reason = supportaccessv1alpha1.ReasonRenewed
		}
		event(corev1.EventTypeNormal, reason, "Renew", fmt.Sprintf("Credentials for %s now valid until %s", after.LoginEmail, until))
	}

	if conditionNewlyTrue(before, after, supportaccessv1alpha1.ConditionExpiringSoon) {
		event(corev1.EventTypeWarning, supportaccessv1alpha1.ReasonExpiringSoon, "Warn", fmt.Sprintf("Access expires at %s; set spec.renewedAt to extend it", until))
	}
	r.emitFailureEvent(orig, grant)
}

// failureReasons are the Ready reasons of a grant the operator cannot (yet) give access to.
var failureReasons = map[string]bool{
	supportaccessv1alpha1.ReasonSecretConflict:      true,
	supportaccessv1alpha1.ReasonRoleBindingConflict: true,
	supportaccessv1alpha1.ReasonForbidden:           true,
	supportaccessv1alpha1.ReasonReconcileError:      true,
}

// emitFailureEvent emits a Warning event when the grant's Ready condition turned to a failure, or
// to another one: once per distinct failure (reason and message), not once per retry.
func (r *SupportAccessGrantReconciler) emitFailureEvent(orig, grant *supportaccessv1alpha1.SupportAccessGrant) {
	c := meta.FindStatusCondition(grant.Status.Conditions, supportaccessv1alpha1.ConditionReady)
	if c == nil || c.Status != metav1.ConditionFalse || !failureReasons[c.Reason] {
		return
	}
	if prev := meta.FindStatusCondition(orig.Status.Conditions, supportaccessv1alpha1.ConditionReady); prev != nil &&
		prev.Reason == c.Reason && prev.Message == c.Message {
		return
	}
	r.Recorder.Eventf(grant, nil, corev1.EventTypeWarning, c.Reason, "Reconcile", "%s", apilimits.Truncate(c.Message, maxEventNote))
	grantTransitions.WithLabelValues(c.Reason).Inc()
}

func conditionNewlyTrue(before, after supportaccessv1alpha1.SupportAccessGrantStatus, condType string) bool {
	return meta.IsStatusConditionTrue(after.Conditions, condType) && !meta.IsStatusConditionTrue(before.Conditions, condType)
}

func conditionHasReason(s supportaccessv1alpha1.SupportAccessGrantStatus, condType, reason string) bool {
	c := meta.FindStatusCondition(s.Conditions, condType)
	return c != nil && c.Reason == reason
}
