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
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// computePolicyStatus sets p's status from all, the policies of its namespace (p included), and
// the namespace's grants when p caps their duration.
func (r *AccountSessionPolicyReconciler) computePolicyStatus(ctx context.Context, p *supportaccessv1alpha1.AccountSessionPolicy, all []supportaccessv1alpha1.AccountSessionPolicy) error {
	var grants []supportaccessv1alpha1.SupportAccessGrant
	if policy.Of(p).MaxGrantDuration > 0 {
		// Read-only, and a namespace may hold thousands of grants: no deep copies.
		list := &supportaccessv1alpha1.SupportAccessGrantList{}
		if err := r.List(ctx, list, client.InNamespace(p.Namespace), client.UnsafeDisableDeepCopy); err != nil {
			return fmt.Errorf("list SupportAccessGrants in namespace %s: %w", p.Namespace, err)
		}
		grants = list.Items
	}
	setPolicyStatus(p, all, grants, r.Clock.Now())
	return nil
}

// setPolicyStatus sets p's status from all, the policies of its namespace (p included), and
// grants, those of the namespace (needed only when p sets maxGrantDuration), at now.
func setPolicyStatus(p *supportaccessv1alpha1.AccountSessionPolicy, all []supportaccessv1alpha1.AccountSessionPolicy, grants []supportaccessv1alpha1.SupportAccessGrant, now time.Time) {
	inForce := policy.InForce(all)
	effective := policy.Effective(all)
	own := policy.Of(p)

	p.Status.ObservedGeneration = p.Generation
	// What the account's sessions get, from whichever policy is in force.
	p.Status.EffectiveInactivityTimeout = inactivityTimeoutOf(effective.InactivityTimeout)

	if inForce != nil && inForce.Name == p.Name {
		setPolicyCondition(p, supportaccessv1alpha1.ConditionReady, metav1.ConditionTrue, supportaccessv1alpha1.ReasonApplied,
			fmt.Sprintf("In force for namespace %s: %s", p.Namespace, describeSettings(own)))
		msg := "Only AccountSessionPolicy of the namespace"
		if len(all) > 1 {
			msg = "Oldest AccountSessionPolicy of the namespace: newer ones are ignored"
		}
		setPolicyCondition(p, supportaccessv1alpha1.ConditionConflict, metav1.ConditionFalse, supportaccessv1alpha1.ReasonNoConflict, msg)
		meta.RemoveStatusCondition(&p.Status.Conditions, supportaccessv1alpha1.ConditionStalled)
	} else {
		// inForce is never nil here: p itself is in all and not being deleted.
		msg := fmt.Sprintf("AccountSessionPolicy %q is older and in force in namespace %s; this one is ignored: delete one of them",
			inForce.Name, p.Namespace)
		setPolicyCondition(p, supportaccessv1alpha1.ConditionReady, metav1.ConditionFalse, supportaccessv1alpha1.ReasonDuplicatePolicy, msg)
		setPolicyCondition(p, supportaccessv1alpha1.ConditionConflict, metav1.ConditionTrue, supportaccessv1alpha1.ReasonDuplicatePolicy, msg)
		// Nothing the operator retries changes this: someone must delete a policy (kstatus: Failed).
		setPolicyCondition(p, supportaccessv1alpha1.ConditionStalled, metav1.ConditionTrue, supportaccessv1alpha1.ReasonDuplicatePolicy, msg)
	}

	if ok, msg := policy.MeetsAAL2(own); ok {
		setPolicyCondition(p, supportaccessv1alpha1.ConditionMeetsAAL2, metav1.ConditionTrue, supportaccessv1alpha1.ReasonWithinAAL2, upperFirst(msg))
	} else {
		reason := supportaccessv1alpha1.ReasonInactivityTooLong
		if own.InactivityTimeout <= policy.AAL2MaxInactivity {
			reason = supportaccessv1alpha1.ReasonLifetimeTooLong
		}
		setPolicyCondition(p, supportaccessv1alpha1.ConditionMeetsAAL2, metav1.ConditionFalse, reason, upperFirst(msg))
	}

	setGrantsExceedCondition(p, own.MaxGrantDuration, grants, now)
}

// setGrantsExceedCondition compares the namespace's live grants with maxGrantDuration.
func setGrantsExceedCondition(p *supportaccessv1alpha1.AccountSessionPolicy, limit time.Duration, grants []supportaccessv1alpha1.SupportAccessGrant, now time.Time) {
	if limit == 0 {
		setPolicyCondition(p, supportaccessv1alpha1.ConditionGrantsExceedMaxDuration, metav1.ConditionFalse, supportaccessv1alpha1.ReasonNoMaxGrantDuration,
			"spec.maxGrantDuration is unset: the operator's --max-grant-duration caps grants")
		return
	}
	names, total := policy.GrantsLongerThan(grants, limit, now, policy.MaxNamedGrants)
	if total == 0 {
		setPolicyCondition(p, supportaccessv1alpha1.ConditionGrantsExceedMaxDuration, metav1.ConditionFalse, supportaccessv1alpha1.ReasonGrantsWithinMax,
			fmt.Sprintf("Every live grant fits within maxGrantDuration %s", policy.FormatDuration(limit)))
		return
	}
	setPolicyCondition(p, supportaccessv1alpha1.ConditionGrantsExceedMaxDuration, metav1.ConditionTrue, supportaccessv1alpha1.ReasonLiveGrantsExceedMax,
		fmt.Sprintf("%d live grant(s) are longer than maxGrantDuration %s: %s. They end %s after their start; renewals must fit within %s",
			total, policy.FormatDuration(limit), policy.NameList(names, total), policy.FormatDuration(limit), policy.FormatDuration(limit)))
}

func setPolicyCondition(p *supportaccessv1alpha1.AccountSessionPolicy, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: p.Generation,
	})
}

// inactivityTimeoutOf names d as one of the API's InactivityTimeout values; policy.Of only
// produces those.
func inactivityTimeoutOf(d time.Duration) supportaccessv1alpha1.InactivityTimeout {
	for _, t := range supportaccessv1alpha1.InactivityTimeouts {
		if td, _ := t.Duration(); td == d {
			return t
		}
	}
	return supportaccessv1alpha1.InactivityTimeout(policy.FormatDuration(d))
}

// describeSettings summarises settings for a condition message or an event.
func describeSettings(s policy.Settings) string {
	grants := "grants capped by the operator's --max-grant-duration"
	if s.MaxGrantDuration > 0 {
		grants = "grants capped at " + policy.FormatDuration(s.MaxGrantDuration)
	}
	return fmt.Sprintf("sessions end after %s of inactivity or %s after login; %s",
		policy.FormatDuration(s.InactivityTimeout), policy.FormatDuration(s.MaxSessionLifetime), grants)
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
