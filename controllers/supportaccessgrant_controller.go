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

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/expiry"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// GrantOptions are the operator-wide settings the grant controller applies.
type GrantOptions struct {
	// LoginDomain is the domain of issued login emails.
	LoginDomain string
	// LoginURL, when set, is copied into each credentials Secret.
	LoginURL string
	// Limits hold the operator-wide grant cap, which caps every grant's window, even one admitted
	// while admission was off; required.
	Limits *limits.Limits
	// LimitedClusterRole and FullClusterRole are bound to support users by access level.
	LimitedClusterRole string
	FullClusterRole    string
	// MaxConcurrentReconciles lets issuing overlap: 10,000 grants are bound by the API server's
	// write rate only when writes run side by side.
	MaxConcurrentReconciles int
	// ConflictRetryInterval is how often a grant blocked by a foreign Secret looks again: that
	// Secret is outside the filtered cache, so no watch event announces its removal.
	ConflictRetryInterval time.Duration
}

// SupportAccessGrantReconciler turns a SupportAccessGrant into a credentials Secret and a
// RoleBinding, keeps them for the validity window and removes them on expiry, revocation or
// deletion.
type SupportAccessGrantReconciler struct {
	client.Client
	// APIReader reads around the cache: the only way to see a Secret the operator does not own.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Clock     clock.PassiveClock
	Recorder  recorder.EventRecorder
	Options   GrantOptions
	// Keyring signs and verifies login emails: an email is this grant's only if its MAC
	// verifies for the grant's UID (internal/credentials/email.go).
	Keyring *keyring.Keyring
}

// +kubebuilder:rbac:groups=supportaccess.io,resources=supportaccessgrants,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=supportaccess.io,resources=supportaccessgrants/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=supportaccess.io,resources=supportaccessgrants/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=supportaccess-limited;supportaccess-full
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile moves one grant towards its desired state. It is level-triggered: whatever happened
// before (a crash, a missed event), the same inputs lead to the same result.
func (r *SupportAccessGrantReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)

	grant := &supportaccessv1alpha1.SupportAccessGrant{}
	if err := r.Get(ctx, req.NamespacedName, grant); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	if !grant.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, grant)
	}

	if !controllerutil.ContainsFinalizer(grant, supportaccessv1alpha1.GrantFinalizer) {
		// The defaulting webhook adds it at creation; without the webhook, add it and start over
		// from the grant as written: the patch began from a read that may be newer than grant.
		if err := r.patchFinalizer(ctx, grant, controllerutil.AddFinalizer); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
		return ctrl.Result{}, nil
	}

	now := r.Clock.Now()
	window, err := r.window(ctx, grant)
	if err != nil {
		return ctrl.Result{}, err
	}
	orig := grant.DeepCopy()

	var (
		result ctrl.Result
		// creds says what issue did to the credentials, for the events.
		creds issuedCredentials
	)
	switch {
	case grant.Spec.Revoked:
		err = r.revoke(ctx, grant, now)
	case window.Expired(now):
		err = r.expire(ctx, grant, window)
	case window.NotYetValid(now):
		err = r.removeAccess(ctx, grant)
		setNotYetValidStatus(grant, window)
		result = ctrl.Result{RequeueAfter: window.Start.Add(-expiry.MaxRenewalLead).Sub(now)}
	default:
		result, creds, err = r.issue(ctx, grant, window, now)
	}
	if err != nil {
		return r.recordFailure(ctx, orig, grant, err)
	}

	grant.Status.ObservedGeneration = grant.Generation
	if err := r.patchStatus(ctx, orig, grant); err != nil {
		if errors.Is(err, errStaleObject) {
			// A newer version of the grant exists; its watch event has queued it again.
			log.V(1).Info("Grant changed while reconciling; will retry with the newer version", "grant", klog.KObj(grant))
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	r.emitTransitionEvents(orig, grant, window, creds)

	if result.RequeueAfter > 0 {
		log.V(1).Info("Scheduled next check", "grant", klog.KObj(grant), "after", result.RequeueAfter)
	}
	return result, nil
}

// nextCheck returns when this Active grant must be looked at again with nothing else happening:
// the exact end of the window (as Kubernetes' bootstrap token cleaner does), or the ExpiringSoon
// warning if that comes first and has not fired yet.
func nextCheck(window expiry.Window, now time.Time) time.Duration {
	next := window.End
	if warnAt := window.WarnAt(); now.Before(warnAt) {
		next = warnAt
	}
	d := next.Sub(now)
	if d <= 0 {
		// Never a non-positive RequeueAfter: the caller's clock reading is already past the
		// deadline, so look again right away.
		d = time.Millisecond
	}
	return d
}

// window returns the grant's validity window under the cap of its account: the policy's
// maxGrantDuration or --max-grant-duration, whichever is lower (policy.GrantCap, the rule the
// webhook admits by and the auth service checks by), so a grant admitted while the webhook was
// down or before the policy was cached still ends on time.
func (r *SupportAccessGrantReconciler) window(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant) (expiry.Window, error) {
	policies := &supportaccessv1alpha1.AccountSessionPolicyList{}
	if err := r.List(ctx, policies, client.InNamespace(grant.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return expiry.Window{}, fmt.Errorf("list AccountSessionPolicies in namespace %s: %w", grant.Namespace, err)
	}
	limit, _ := policy.GrantCap(policy.Effective(policies.Items), r.Options.Limits.MaxGrantDuration())
	return expiry.Of(grant, limit), nil
}

// SetupWithManager registers the controller and its watches.
func (r *SupportAccessGrantReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Options.Limits == nil {
		return errors.New("SupportAccessGrant controller: no operator limits")
	}
	workers := r.Options.MaxConcurrentReconciles
	if workers < 1 {
		workers = 1
	}
	// A failed reconcile is retried with per-item exponential backoff from 5 ms, like
	// controller-runtime's default, but capped at 2 s instead of 1000 s. An expiry or revocation
	// whose delete failed during an API outage must land within seconds of the API coming back,
	// not after a backoff that doubled all through the outage: uncapped, the gap between retries
	// grows as long as the time already spent failing (10 s after a 12 s outage). So that a
	// failure shared by every grant (RBAC taken away, a webhook down) cannot turn the low cap into
	// thousands of requests per second, retries also draw from one bucket for the controller:
	// 500 per second after a burst of 1,000. With N grants failing together a retry then comes
	// about every N/500 s (20 s for 10,000); kube-apiserver's priority and fairness guards the rest.
	retry := workqueue.NewTypedMaxOfRateLimiter[reconcile.Request](
		workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, 2*time.Second),
		&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(500), 1000)},
	)
	// A keyring change re-checks every grant: one whose email's key was removed gets fresh
	// credentials now, not at its next event (docs/security.md, "Keys").
	// So does a change of the operator's grant cap, which moves every grant's end.
	recheckAll := make(chan event.GenericEvent, 1)
	requestRecheck := func() {
		select {
		case recheckAll <- event.GenericEvent{Object: &supportaccessv1alpha1.SupportAccessGrant{}}:
		default: // one pending re-check covers every change
		}
	}
	r.Keyring.OnChange(requestRecheck)
	r.Options.Limits.OnChange(requestRecheck)
	return ctrl.NewControllerManagedBy(mgr).
		For(&supportaccessv1alpha1.SupportAccessGrant{}).
		WatchesRawSource(source.Channel(recheckAll, handler.EnqueueRequestsFromMapFunc(r.allGrants))).
		// A Secret or RoleBinding deleted or edited by hand brings its grant back here.
		Owns(&corev1.Secret{}).
		Owns(&rbacv1.RoleBinding{}).
		// A policy's maxGrantDuration caps its account's grants: a change re-checks them all.
		Watches(&supportaccessv1alpha1.AccountSessionPolicy{}, handler.EnqueueRequestsFromMapFunc(r.grantsOfPolicy),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers, RateLimiter: retry}).
		Named("supportaccessgrant").
		Complete(r)
}

// grantsOfPolicy lists the grants of a policy's namespace, from the cache.
func (r *SupportAccessGrantReconciler) grantsOfPolicy(ctx context.Context, obj client.Object) []reconcile.Request {
	return r.grantRequests(ctx, client.InNamespace(obj.GetNamespace()))
}

// allGrants lists every grant, from the cache.
func (r *SupportAccessGrantReconciler) allGrants(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.grantRequests(ctx)
}

func (r *SupportAccessGrantReconciler) grantRequests(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	grants := &supportaccessv1alpha1.SupportAccessGrantList{}
	if err := r.List(ctx, grants, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		logf.FromContext(ctx).Error(err, "Cannot list grants to check them again")
		return nil
	}
	requests := make([]reconcile.Request, 0, len(grants.Items))
	for i := range grants.Items {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&grants.Items[i])})
	}
	return requests
}

// finalize removes everything the grant gave before letting it go.
func (r *SupportAccessGrantReconciler) finalize(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant) error {
	if !controllerutil.ContainsFinalizer(grant, supportaccessv1alpha1.GrantFinalizer) {
		return nil
	}
	if err := r.removeAccess(ctx, grant); err != nil {
		return err
	}
	if err := r.patchFinalizer(ctx, grant, controllerutil.RemoveFinalizer); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("remove finalizer: %w", err)
	}
	logf.FromContext(ctx).Info("Removed access of deleted grant", "grant", klog.KObj(grant))
	return nil
}

// patchFinalizer adds or removes the operator's finalizer. The cache keeps no other finalizer
// (internal/managercache), and a merge patch replaces the whole list, so the patch starts from the
// grant read around the cache: other controllers' finalizers stay. It runs once per grant at most
// twice (the defaulting webhook adds the finalizer at creation), so the extra read costs little.
func (r *SupportAccessGrantReconciler) patchFinalizer(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, change func(client.Object, string) bool) error {
	stored := &supportaccessv1alpha1.SupportAccessGrant{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(grant), stored); err != nil {
		return err
	}
	if stored.UID != grant.UID {
		return apierrors.NewNotFound(supportaccessv1alpha1.GroupVersion.WithResource("supportaccessgrants").GroupResource(), grant.Name)
	}
	orig := stored.DeepCopy()
	if !change(stored, supportaccessv1alpha1.GrantFinalizer) {
		return nil
	}
	return r.Patch(ctx, stored, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
}

// removeAccess deletes the credentials, the RoleBinding and every session of the grant.
func (r *SupportAccessGrantReconciler) removeAccess(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant) error {
	if err := r.deleteSecret(ctx, grant); err != nil {
		return err
	}
	if err := r.deleteRoleBinding(ctx, grant); err != nil {
		return err
	}
	return r.endSessions(ctx, grant)
}

// revoke ends access for good.
func (r *SupportAccessGrantReconciler) revoke(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, now time.Time) error {
	if err := r.removeAccess(ctx, grant); err != nil {
		return err
	}
	if grant.Status.Phase != supportaccessv1alpha1.GrantPhaseRevoked {
		loggerFor(ctx, grant).Info("Revoked access")
	}
	setRevokedStatus(grant, now)
	return nil
}

// expire ends access at the end of the window; a renewal (spec.renewedAt) brings it back.
func (r *SupportAccessGrantReconciler) expire(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, window expiry.Window) error {
	if err := r.removeAccess(ctx, grant); err != nil {
		return err
	}
	if grant.Status.Phase != supportaccessv1alpha1.GrantPhaseExpired {
		loggerFor(ctx, grant).Info("Access expired", "expiresAt", window.End)
	}
	setExpiredStatus(grant, window)
	return nil
}

// issue makes sure an Active grant has its credentials and binding, and schedules the next check.
// It reports what it did to the credentials (fresh ones in place of live or unverified ones).
func (r *SupportAccessGrantReconciler) issue(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, window expiry.Window, now time.Time) (ctrl.Result, issuedCredentials, error) {
	log := logf.FromContext(ctx)
	creds, err := r.ensureSecret(ctx, grant, window, now)
	if err != nil {
		var conflict *secretConflictError
		if asSecretConflict(err, &conflict) {
			log.Info("Credentials Secret exists and belongs to someone else", "grant", klog.KObj(grant), "secret", conflict.name)
			setConflictStatus(grant, conflict)
			return ctrl.Result{RequeueAfter: r.Options.ConflictRetryInterval}, issuedCredentials{}, nil
		}
		return ctrl.Result{}, issuedCredentials{}, err
	}
	if creds.replaced {
		// The old credentials are gone: sessions opened with them must end too.
		if err := r.endSessions(ctx, grant); err != nil {
			return ctrl.Result{}, issuedCredentials{}, err
		}
	}
	if err := r.ensureRoleBinding(ctx, grant, creds.email); err != nil {
		var conflict *bindingConflictError
		if errors.As(err, &conflict) {
			log.Info("RoleBinding exists and belongs to someone else", "grant", klog.KObj(grant), "roleBinding", conflict.name)
			setBindingConflictStatus(grant, conflict)
			return ctrl.Result{RequeueAfter: r.Options.ConflictRetryInterval}, issuedCredentials{}, nil
		}
		return ctrl.Result{}, issuedCredentials{}, err
	}
	setActiveStatus(grant, creds, window, now)
	return ctrl.Result{RequeueAfter: nextCheck(window, now)}, creds, nil
}

// loggerFor is a small helper so the child-object files log with the same keys.
func loggerFor(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant) logr.Logger {
	return logf.FromContext(ctx).WithValues("grant", klog.KObj(grant))
}
