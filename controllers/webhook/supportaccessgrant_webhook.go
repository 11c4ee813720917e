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

package webhook

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/expiry"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// Defaulting is for creates only: on updates the schema re-defaults removed fields, and an update
// that only removes a finalizer never depends on (or waits for) the webhook server. Validation
// skips objects being deleted (matchConditions), so a finalizer can always be removed even while
// the webhook server is down.
// +kubebuilder:webhook:path=/mutate-supportaccess-io-v1alpha1-supportaccessgrant,mutating=true,failurePolicy=fail,sideEffects=None,groups=supportaccess.io,resources=supportaccessgrants,verbs=create,versions=v1alpha1,name=msupportaccessgrant-v1alpha1.supportaccess.io,admissionReviewVersions=v1
// +kubebuilder:webhook:path=/validate-supportaccess-io-v1alpha1-supportaccessgrant,mutating=false,failurePolicy=fail,sideEffects=None,groups=supportaccess.io,resources=supportaccessgrants,verbs=create;update,versions=v1alpha1,name=vsupportaccessgrant-v1alpha1.supportaccess.io,admissionReviewVersions=v1,patch=`{"matchConditions":[{"name":"not-being-deleted","expression":"!has(object.metadata.deletionTimestamp)"}]}`

// msgRevokedRenewal is the CRD's CEL message for the same rule, word for word.
const msgRevokedRenewal = "a revoked grant cannot be renewed: create a new grant"

var (
	grantKind          = supportaccessv1alpha1.GroupVersion.WithKind("SupportAccessGrant").GroupKind()
	defaultGrantLength = mustParseDuration(supportaccessv1alpha1.DefaultGrantDuration)
)

// SupportAccessGrantDefaulter fills in what a grant omits, with the same values as the CRD schema's
// defaults, plus the one default the schema cannot express: secretName "<name>-credentials".
// On create with metadata.generateName the name does not exist yet at admission; secretName then
// stays empty, which the controller and the schema's immutability rule read as the same default.
//
// It also adds the grant's finalizer, which the controller would otherwise add with a patch of its
// own before issuing anything: one write (and one validating admission) less per grant. The
// controller still adds it when it is missing (webhooks disabled, or removed by hand).
type SupportAccessGrantDefaulter struct{}

var _ admission.Defaulter[*supportaccessv1alpha1.SupportAccessGrant] = &SupportAccessGrantDefaulter{}

// Default implements admission.Defaulter.
func (d *SupportAccessGrantDefaulter) Default(_ context.Context, g *supportaccessv1alpha1.SupportAccessGrant) error {
	if g.DeletionTimestamp != nil {
		return nil
	}
	if g.Spec.AccessLevel == "" {
		g.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelLimited
	}
	if g.Spec.Duration == nil {
		g.Spec.Duration = &metav1.Duration{Duration: defaultGrantLength}
	}
	if g.Spec.SecretName == "" && g.Name != "" {
		g.Spec.SecretName = g.Name + supportaccessv1alpha1.SecretNameSuffix
	}
	controllerutil.AddFinalizer(g, supportaccessv1alpha1.GrantFinalizer)
	return nil
}

// SupportAccessGrantValidator enforces the grant rules the schema cannot: renewedAt at most
// expiry.MaxRenewalLead ahead of the clock, and duration within the account's maxGrantDuration and the
// operator's limit. It repeats the schema's rule against renewing a revoked grant.
// Revocation is never refused: a grant that is or becomes revoked skips the duration and renewal
// time checks.
type SupportAccessGrantValidator struct {
	// Reader lists the namespace's AccountSessionPolicies; the manager's cache, as every grant
	// admission needs it.
	Reader client.Reader
	// Limits hold the operator's grant cap (docs/reference.md#operator-limits).
	Limits *limits.Limits
	Clock  clock.PassiveClock
}

var _ admission.Validator[*supportaccessv1alpha1.SupportAccessGrant] = &SupportAccessGrantValidator{}

// ValidateCreate implements admission.Validator.
func (v *SupportAccessGrantValidator) ValidateCreate(ctx context.Context, g *supportaccessv1alpha1.SupportAccessGrant) (admission.Warnings, error) {
	return nil, v.validate(ctx, nil, g)
}

// ValidateUpdate implements admission.Validator. Only what the update changes is checked, so a
// grant admitted under older rules (or a lowered policy cap) can still be edited and revoked.
func (v *SupportAccessGrantValidator) ValidateUpdate(ctx context.Context, old, g *supportaccessv1alpha1.SupportAccessGrant) (admission.Warnings, error) {
	if g.DeletionTimestamp != nil {
		return nil, nil
	}
	return nil, v.validate(ctx, old, g)
}

// ValidateDelete implements admission.Validator; the webhook is not registered for DELETE and
// would allow it anyway.
func (v *SupportAccessGrantValidator) ValidateDelete(context.Context, *supportaccessv1alpha1.SupportAccessGrant) (admission.Warnings, error) {
	return nil, nil
}

// validate checks g; old is nil on create.
func (v *SupportAccessGrantValidator) validate(ctx context.Context, old, g *supportaccessv1alpha1.SupportAccessGrant) error {
	spec := field.NewPath("spec")
	var errs field.ErrorList

	renewalChanged := old == nil && g.Spec.RenewedAt != nil ||
		old != nil && !old.Spec.RenewedAt.Equal(g.Spec.RenewedAt)
	if old != nil && old.Spec.Revoked && renewalChanged {
		errs = append(errs, field.Forbidden(spec.Child("renewedAt"), msgRevokedRenewal))
	}

	if !g.Spec.Revoked {
		renewed := renewalChanged && g.Spec.RenewedAt != nil
		if renewed {
			now := v.Clock.Now()
			if latest := now.Add(expiry.MaxRenewalLead); g.Spec.RenewedAt.After(latest) {
				errs = append(errs, field.Invalid(spec.Child("renewedAt"), g.Spec.RenewedAt.UTC().Format(time.RFC3339Nano),
					fmt.Sprintf("must be at most %s in the future (it is now %s)",
						policy.FormatDuration(expiry.MaxRenewalLead), now.UTC().Format(time.RFC3339))))
			}
		}
		// A new window starts on create and on renewal; a changed duration resizes the current one.
		if old == nil || renewed || expiry.Duration(old, 0) != expiry.Duration(g, 0) {
			fieldErr, err := v.checkDuration(ctx, g)
			if err != nil {
				return apierrors.NewInternalError(err)
			}
			if fieldErr != nil {
				errs = append(errs, fieldErr)
			}
		}
	}

	if len(errs) > 0 {
		return apierrors.NewInvalid(grantKind, g.Name, errs)
	}
	return nil
}

// checkDuration compares the grant's duration with the cap of its account: the policy's
// maxGrantDuration or the operator's limit, whichever is lower.
func (v *SupportAccessGrantValidator) checkDuration(ctx context.Context, g *supportaccessv1alpha1.SupportAccessGrant) (*field.Error, error) {
	// Every grant admission reads this: from the cache, read-only, without deep copies.
	policies := &supportaccessv1alpha1.AccountSessionPolicyList{}
	if err := v.Reader.List(ctx, policies, client.InNamespace(g.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list AccountSessionPolicies in namespace %s: %w", g.Namespace, err)
	}
	settings := policy.Effective(policies.Items)
	limit, byPolicy := policy.GrantCap(settings, v.Limits.MaxGrantDuration())
	d := expiry.Duration(g, 0)
	if limit <= 0 || d <= limit {
		return nil, nil
	}
	// The same words as config/admission's supportaccessgrant-operator-cap.
	source := "the operator's limit"
	if byPolicy {
		source = fmt.Sprintf("maxGrantDuration of AccountSessionPolicy %q in this namespace", settings.Policy)
	}
	return field.Invalid(field.NewPath("spec", "duration"), policy.FormatDuration(d),
		fmt.Sprintf("must be at most %s (%s)", policy.FormatDuration(limit), source)), nil
}

func mustParseDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(fmt.Sprintf("bad built-in duration %q: %v", s, err))
	}
	return d
}
