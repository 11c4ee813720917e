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

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// AccountSessionPolicyReconciler reports on each AccountSessionPolicy whether it is in force (the
// oldest of its namespace wins), the inactivity timeout sessions get, whether the settings meet
// NIST SP 800-63B-4 AAL2, and whether live grants are longer than its maxGrantDuration. It writes
// status only: the auth service reads the policies themselves, through internal/policy.
type AccountSessionPolicyReconciler struct {
	client.Client
	// Clock tells live grants from expired ones.
	Clock    clock.PassiveClock
	Recorder recorder.EventRecorder
}

// +kubebuilder:rbac:groups=supportaccess.io,resources=accountsessionpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=supportaccess.io,resources=accountsessionpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=supportaccess.io,resources=supportaccessgrants,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one policy's status up to date with its namespace: its sibling policies and
// the grants there. No finalizer: a deleted policy needs no clean-up, and the watches re-reconcile
// its siblings, one of which may now be in force.
func (r *AccountSessionPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)

	p := &supportaccessv1alpha1.AccountSessionPolicy{}
	if err := r.Get(ctx, req.NamespacedName, p); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !p.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}

	siblings := &supportaccessv1alpha1.AccountSessionPolicyList{}
	if err := r.List(ctx, siblings, client.InNamespace(p.Namespace)); err != nil {
		return ctrl.Result{}, fmt.Errorf("list AccountSessionPolicies in namespace %s: %w", p.Namespace, err)
	}
	all := withPolicy(siblings.Items, p)

	orig := p.DeepCopy()
	if err := r.computePolicyStatus(ctx, p, all); err != nil {
		return ctrl.Result{}, err
	}
	if equality.Semantic.DeepEqual(orig.Status, p.Status) {
		return ctrl.Result{}, nil
	}
	if err := r.Status().Patch(ctx, p, client.MergeFrom(orig)); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("update status: %w", err)
	}
	log.V(1).Info("Updated policy status", "policy", klog.KObj(p), "effectiveInactivityTimeout", p.Status.EffectiveInactivityTimeout)
	r.emitPolicyEvents(orig, p, all)
	return ctrl.Result{}, nil
}

// withPolicy returns the namespace's policies with p in place of its cached copy (or added, if the
// list does not hold it yet), so p is judged on the version just read.
func withPolicy(list []supportaccessv1alpha1.AccountSessionPolicy, p *supportaccessv1alpha1.AccountSessionPolicy) []supportaccessv1alpha1.AccountSessionPolicy {
	for i := range list {
		if list[i].Name == p.Name {
			list[i] = *p
			return list
		}
	}
	return append(list, *p)
}

// SetupWithManager registers the controller. A policy's status depends on its siblings (the
// oldest is in force) and on the grants of its namespace (GrantsExceedMaxDuration), so both are
// watched and mapped to every policy of the namespace.
func (r *AccountSessionPolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportaccessv1alpha1.AccountSessionPolicy{}).
		Watches(&supportaccessv1alpha1.AccountSessionPolicy{},
			handler.EnqueueRequestsFromMapFunc(r.policiesOfNamespace),
			builder.WithPredicates(policyCountChanged())).
		Watches(&supportaccessv1alpha1.SupportAccessGrant{},
			handler.EnqueueRequestsFromMapFunc(r.policiesOfNamespace),
			builder.WithPredicates(grantLengthOrLifeChanged())).
		Named("accountsessionpolicy").
		Complete(r)
}

// policiesOfNamespace maps an object to every AccountSessionPolicy of its namespace.
func (r *AccountSessionPolicyReconciler) policiesOfNamespace(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &supportaccessv1alpha1.AccountSessionPolicyList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace())); err != nil {
		logf.FromContext(ctx).Error(err, "Cannot list AccountSessionPolicies to re-reconcile", "namespace", obj.GetNamespace())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

// policyCountChanged passes the events that change which policy of a namespace is in force:
// one created, deleted, or marked for deletion.
func policyCountChanged() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return true },
		DeleteFunc: func(event.DeleteEvent) bool { return true },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// grantLengthOrLifeChanged passes the grant events that can change GrantsExceedMaxDuration: a grant
// created or deleted, its spec changed (duration, renewal, revocation), its phase changed (expiry)
// or its deletion started. Status-only writes such as lastUsedAt, every 30s per grant, do not.
func grantLengthOrLifeChanged() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return true },
		DeleteFunc: func(event.DeleteEvent) bool { return true },
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldGrant, ok1 := e.ObjectOld.(*supportaccessv1alpha1.SupportAccessGrant)
			newGrant, ok2 := e.ObjectNew.(*supportaccessv1alpha1.SupportAccessGrant)
			if !ok1 || !ok2 {
				return true
			}
			return oldGrant.Generation != newGrant.Generation ||
				oldGrant.Status.Phase != newGrant.Status.Phase ||
				oldGrant.DeletionTimestamp.IsZero() != newGrant.DeletionTimestamp.IsZero()
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}
