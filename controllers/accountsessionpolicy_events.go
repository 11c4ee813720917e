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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/apilimits"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// emitPolicyEvents announces what the status write changed: a policy coming into force (or its
// settings changing while in force), a conflict, leaving AAL2, live grants above the cap. Derived
// from the difference between the status read and the one written, so a no-op says nothing.
func (r *AccountSessionPolicyReconciler) emitPolicyEvents(orig, p *supportaccessv1alpha1.AccountSessionPolicy, all []supportaccessv1alpha1.AccountSessionPolicy) {
	before, after := orig.Status.Conditions, p.Status.Conditions
	event := func(related runtime.Object, eventType, reason, action, note string) {
		r.Recorder.Eventf(p, related, eventType, reason, action, "%s", apilimits.Truncate(note, maxEventNote))
	}

	if ready := meta.FindStatusCondition(after, supportaccessv1alpha1.ConditionReady); ready != nil && ready.Status == metav1.ConditionTrue &&
		(!meta.IsStatusConditionTrue(before, supportaccessv1alpha1.ConditionReady) || orig.Status.ObservedGeneration != p.Status.ObservedGeneration) {
		event(nil, corev1.EventTypeNormal, supportaccessv1alpha1.ReasonApplied, "Apply", ready.Message)
	}
	if conflict := meta.FindStatusCondition(after, supportaccessv1alpha1.ConditionConflict); conflict != nil && conflict.Status == metav1.ConditionTrue &&
		!meta.IsStatusConditionTrue(before, supportaccessv1alpha1.ConditionConflict) {
		// The policy in force is the related object, so the event shows up on both.
		var related runtime.Object
		if inForce := policy.InForce(all); inForce != nil {
			related = inForce
		}
		event(related, corev1.EventTypeWarning, supportaccessv1alpha1.ConditionConflict, "Apply", conflict.Message)
	}
	if aal2 := meta.FindStatusCondition(after, supportaccessv1alpha1.ConditionMeetsAAL2); aal2 != nil {
		was := meta.FindStatusCondition(before, supportaccessv1alpha1.ConditionMeetsAAL2)
		switch {
		case aal2.Status == metav1.ConditionFalse && (was == nil || was.Status != metav1.ConditionFalse):
			event(nil, corev1.EventTypeWarning, "OutsideAAL2", "Apply", aal2.Message)
		case aal2.Status == metav1.ConditionTrue && was != nil && was.Status == metav1.ConditionFalse:
			event(nil, corev1.EventTypeNormal, supportaccessv1alpha1.ConditionMeetsAAL2, "Apply", aal2.Message)
		}
	}
	if exceed := meta.FindStatusCondition(after, supportaccessv1alpha1.ConditionGrantsExceedMaxDuration); exceed != nil && exceed.Status == metav1.ConditionTrue &&
		!meta.IsStatusConditionTrue(before, supportaccessv1alpha1.ConditionGrantsExceedMaxDuration) {
		event(nil, corev1.EventTypeWarning, supportaccessv1alpha1.ConditionGrantsExceedMaxDuration, "Apply", exceed.Message)
	}
}
