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

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// +kubebuilder:webhook:path=/mutate-supportaccess-io-v1alpha1-accountsessionpolicy,mutating=true,failurePolicy=fail,sideEffects=None,groups=supportaccess.io,resources=accountsessionpolicies,verbs=create,versions=v1alpha1,name=maccountsessionpolicy-v1alpha1.supportaccess.io,admissionReviewVersions=v1
// +kubebuilder:webhook:path=/validate-supportaccess-io-v1alpha1-accountsessionpolicy,mutating=false,failurePolicy=fail,sideEffects=None,groups=supportaccess.io,resources=accountsessionpolicies,verbs=create;update,versions=v1alpha1,name=vaccountsessionpolicy-v1alpha1.supportaccess.io,admissionReviewVersions=v1,patch=`{"matchConditions":[{"name":"not-being-deleted","expression":"!has(object.metadata.deletionTimestamp)"}]}`

var (
	policyKind            = supportaccessv1alpha1.GroupVersion.WithKind("AccountSessionPolicy").GroupKind()
	defaultSessionLife    = policy.DefaultMaxSessionLifetime
	defaultInactivityTime = supportaccessv1alpha1.DefaultInactivityTimeout
)

// AccountSessionPolicyDefaulter fills in what a policy omits, with the CRD schema's defaults.
// maxGrantDuration has no default: unset means the operator's --max-grant-duration.
type AccountSessionPolicyDefaulter struct{}

var _ admission.Defaulter[*supportaccessv1alpha1.AccountSessionPolicy] = &AccountSessionPolicyDefaulter{}

// Default implements admission.Defaulter.
func (d *AccountSessionPolicyDefaulter) Default(_ context.Context, p *supportaccessv1alpha1.AccountSessionPolicy) error {
	if p.DeletionTimestamp != nil {
		return nil
	}
	if p.Spec.InactivityTimeout == "" {
		p.Spec.InactivityTimeout = defaultInactivityTime
	}
	if p.Spec.MaxSessionLifetime == nil {
		p.Spec.MaxSessionLifetime = &metav1.Duration{Duration: defaultSessionLife}
	}
	return nil
}

// AccountSessionPolicyValidator refuses a second policy in a namespace and warns about settings
// that are allowed but worth a second look: outside NIST SP 800-63B-4 AAL2, a maxGrantDuration
// below live grants or above the operator's cap, a duplicate that is not in force.
type AccountSessionPolicyValidator struct {
	// Reader lists grants and policies for the warnings; the manager's cache.
	Reader client.Reader
	// APIReader lists the namespace's policies live from the API when one is created: policies
	// are few and rarely created, and a stale cache would let a duplicate through.
	APIReader client.Reader
	// Limits hold the operator's grant cap (docs/reference.md#operator-limits).
	Limits *limits.Limits
	Clock  clock.PassiveClock
}

var _ admission.Validator[*supportaccessv1alpha1.AccountSessionPolicy] = &AccountSessionPolicyValidator{}

// ValidateCreate implements admission.Validator.
func (v *AccountSessionPolicyValidator) ValidateCreate(ctx context.Context, p *supportaccessv1alpha1.AccountSessionPolicy) (admission.Warnings, error) {
	others, err := otherPolicies(ctx, v.APIReader, p)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if inForce := policy.InForce(others); inForce != nil {
		return nil, apierrors.NewInvalid(policyKind, p.Name, field.ErrorList{field.Forbidden(field.NewPath("metadata", "namespace"),
			fmt.Sprintf("namespace %q already has AccountSessionPolicy %q and allows only one: edit that one instead", p.Namespace, inForce.Name))})
	}
	return v.warnings(ctx, nil, p), nil
}

// ValidateUpdate implements admission.Validator. Updates are never refused: the schema holds
// every rule about the values, and an existing policy must stay editable.
func (v *AccountSessionPolicyValidator) ValidateUpdate(ctx context.Context, old, p *supportaccessv1alpha1.AccountSessionPolicy) (admission.Warnings, error) {
	if p.DeletionTimestamp != nil {
		return nil, nil
	}
	warnings := v.warnings(ctx, old, p)
	// A duplicate admitted in a race (or with the webhook down) is ignored; say so when edited.
	others, err := otherPolicies(ctx, v.Reader, p)
	if err != nil {
		logf.FromContext(ctx).Error(err, "Cannot tell whether the policy is in force; no warning given")
		return warnings, nil
	}
	if inForce := policy.InForce(append(others, *p)); inForce != nil && inForce.Name != p.Name {
		warnings = append(warnings, fmt.Sprintf("this AccountSessionPolicy is not in force: the older AccountSessionPolicy %q applies to the namespace; delete one of them", inForce.Name))
	}
	return warnings, nil
}

// ValidateDelete implements admission.Validator; the webhook is not registered for DELETE and
// would allow it anyway.
func (v *AccountSessionPolicyValidator) ValidateDelete(context.Context, *supportaccessv1alpha1.AccountSessionPolicy) (admission.Warnings, error) {
	return nil, nil
}

// warnings lists what is allowed but deserves attention; old is nil on create.
func (v *AccountSessionPolicyValidator) warnings(ctx context.Context, old, p *supportaccessv1alpha1.AccountSessionPolicy) admission.Warnings {
	var warnings admission.Warnings
	s := policy.Of(p)
	if s.InactivityTimeout > policy.AAL2MaxInactivity {
		warnings = append(warnings, fmt.Sprintf("spec.inactivityTimeout: %s is longer than NIST SP 800-63B-4 AAL2 allows (at most %s): choose 15m, 30m or 1h to meet it",
			policy.FormatDuration(s.InactivityTimeout), policy.FormatDuration(policy.AAL2MaxInactivity)))
	}
	// maxSessionLifetime needs no warning: the schema caps it at 24h, AAL2's limit.
	if s.MaxGrantDuration == 0 {
		return warnings
	}
	if operatorCap := v.Limits.MaxGrantDuration(); operatorCap > 0 && s.MaxGrantDuration > operatorCap {
		warnings = append(warnings, fmt.Sprintf("spec.maxGrantDuration: %s is above the operator's limit (%s), which still caps every grant",
			policy.FormatDuration(s.MaxGrantDuration), policy.FormatDuration(operatorCap)))
	}
	if old != nil {
		if before := policy.Of(old).MaxGrantDuration; before != 0 && before <= s.MaxGrantDuration {
			return warnings // not lowered: live grants were checked when it was set
		}
	}
	// Read-only, and a namespace may hold thousands of grants: no deep copies.
	grants := &supportaccessv1alpha1.SupportAccessGrantList{}
	if err := v.Reader.List(ctx, grants, client.InNamespace(p.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "Cannot list grants to compare with maxGrantDuration; no warning given")
		return warnings
	}
	names, total := policy.GrantsLongerThan(grants.Items, s.MaxGrantDuration, v.Clock.Now(), policy.MaxNamedGrants)
	if total > 0 {
		warnings = append(warnings, fmt.Sprintf("spec.maxGrantDuration: %s is shorter than the duration of %s in this namespace (%s): they now end %s after their start, and new grants, renewals and duration changes must fit within %s",
			policy.FormatDuration(s.MaxGrantDuration), plural(total, "live grant"), policy.NameList(names, total), policy.FormatDuration(s.MaxGrantDuration), policy.FormatDuration(s.MaxGrantDuration)))
	}
	return warnings
}

// otherPolicies returns the namespace's policies other than p, ignoring those being deleted.
func otherPolicies(ctx context.Context, r client.Reader, p *supportaccessv1alpha1.AccountSessionPolicy) ([]supportaccessv1alpha1.AccountSessionPolicy, error) {
	list := &supportaccessv1alpha1.AccountSessionPolicyList{}
	if err := r.List(ctx, list, client.InNamespace(p.Namespace)); err != nil {
		return nil, fmt.Errorf("list AccountSessionPolicies in namespace %s: %w", p.Namespace, err)
	}
	others := list.Items[:0]
	for _, o := range list.Items {
		if o.Name != p.Name && o.DeletionTimestamp == nil {
			others = append(others, o)
		}
	}
	return others, nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
