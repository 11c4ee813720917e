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

package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InactivityTimeout is one of the fixed idle-logout choices offered to account owners.
// +kubebuilder:validation:Enum="15m";"30m";"1h";"2h";"4h";"8h";"12h"
type InactivityTimeout string

// The inactivity timeouts an account may choose (the product's dropdown).
const (
	InactivityTimeout15m InactivityTimeout = "15m"
	InactivityTimeout30m InactivityTimeout = "30m"
	InactivityTimeout1h  InactivityTimeout = "1h"
	InactivityTimeout2h  InactivityTimeout = "2h"
	InactivityTimeout4h  InactivityTimeout = "4h"
	InactivityTimeout8h  InactivityTimeout = "8h"
	InactivityTimeout12h InactivityTimeout = "12h"
)

// InactivityTimeouts lists every allowed InactivityTimeout, shortest first.
var InactivityTimeouts = []InactivityTimeout{
	InactivityTimeout15m, InactivityTimeout30m, InactivityTimeout1h, InactivityTimeout2h,
	InactivityTimeout4h, InactivityTimeout8h, InactivityTimeout12h,
}

// Duration returns the timeout as a time.Duration, and false when it is not one of the allowed values.
func (t InactivityTimeout) Duration() (time.Duration, bool) {
	for _, allowed := range InactivityTimeouts {
		if t == allowed {
			d, err := time.ParseDuration(string(t))
			return d, err == nil
		}
	}
	return 0, false
}

// Defaults and bounds of the AccountSessionPolicy API.
const (
	// DefaultInactivityTimeout applies when an account has no policy or the field is omitted.
	DefaultInactivityTimeout = InactivityTimeout30m
	// DefaultMaxSessionLifetime is the absolute lifetime of one login session by default.
	DefaultMaxSessionLifetime = "12h"
	// MinMaxSessionLifetime and MaxMaxSessionLifetime bound spec.maxSessionLifetime.
	MinMaxSessionLifetime = "15m"
	MaxMaxSessionLifetime = "24h"
)

// Condition types and reasons of an AccountSessionPolicy.
const (
	// ConditionConflict is True on every policy of a namespace but the oldest, which is the one in force.
	// Such a policy is also Stalled (ConditionStalled, reason DuplicatePolicy) and Ready=False: only
	// deleting a policy resolves it (docs/status.md).
	ConditionConflict = "Conflict"
	// ConditionMeetsAAL2 tells whether the settings meet NIST SP 800-63B-4 AAL2 reauthentication
	// limits (inactivity at most 1h, session lifetime at most 24h).
	ConditionMeetsAAL2 = "MeetsAAL2"

	// ConditionGrantsExceedMaxDuration is True while live grants of the namespace ask for more
	// than the policy's maxGrantDuration: it was lowered below them. The cap applies to them at
	// once (in the controller and the auth service): they end that long after their start;
	// renewals and new grants must fit.
	ConditionGrantsExceedMaxDuration = "GrantsExceedMaxDuration"

	ReasonApplied           = "Applied"
	ReasonDuplicatePolicy   = "DuplicatePolicy"
	ReasonNoConflict        = "NoConflict"
	ReasonWithinAAL2        = "WithinAAL2"
	ReasonInactivityTooLong = "InactivityTooLong"
	// ReasonLifetimeTooLong explains MeetsAAL2=False for a lifetime over 24h: the schema refuses
	// one, so it appears only for objects stored before that rule.
	ReasonLifetimeTooLong = "LifetimeTooLong"

	// Reasons of GrantsExceedMaxDuration.
	ReasonLiveGrantsExceedMax = "LiveGrantsExceedMax"
	ReasonGrantsWithinMax     = "GrantsWithinMax"
	ReasonNoMaxGrantDuration  = "NoMaxGrantDuration"
)

// AccountSessionPolicySpec holds the account-wide session settings.
type AccountSessionPolicySpec struct {
	// inactivityTimeout logs a support session out after this much time without activity. One of
	// 15m, 30m, 1h, 2h, 4h, 8h, 12h. Applies at once to every session of the account, including
	// live ones.
	// +kubebuilder:default="30m"
	// +optional
	InactivityTimeout InactivityTimeout `json:"inactivityTimeout,omitempty"`

	// maxSessionLifetime is the absolute lifetime of one login session, however active, as a Go
	// duration string. Between 15m and 24h.
	// +kubebuilder:default="12h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]{1,5}(\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h)){1,4}$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]{1,5}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h)){1,4}$') || (duration(self) >= duration('15m') && duration(self) <= duration('24h'))",message="must be between 15m and 24h"
	// +optional
	MaxSessionLifetime *metav1.Duration `json:"maxSessionLifetime,omitempty"`

	// maxGrantDuration caps spec.duration of every SupportAccessGrant in this account, as a Go
	// duration string (at least 15m). Unset means the operator's --max-grant-duration applies.
	// Lowering it applies at once: a live grant that asks for more ends this long after its start.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]{1,5}(\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h)){1,4}$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]{1,5}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h)){1,4}$') || duration(self) >= duration('15m')",message="must be at least 15m"
	// +optional
	MaxGrantDuration *metav1.Duration `json:"maxGrantDuration,omitempty"`
}

// AccountSessionPolicyStatus reports the settings in force.
type AccountSessionPolicyStatus struct {
	// effectiveInactivityTimeout is the inactivity timeout in force for the account's sessions.
	// +optional
	EffectiveInactivityTimeout InactivityTimeout `json:"effectiveInactivityTimeout,omitempty"`

	// observedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready (the policy is in force), Conflict (another, older policy in the namespace
	// is in force instead) and MeetsAAL2 (NIST SP 800-63B-4 AAL2: inactivity at most 1h,
	// lifetime at most 24h).
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// AccountSessionPolicy sets the session rules of one account (namespace): how long an idle
// support session lasts and how long any session may live. At most one per namespace; without
// one, sessions log out after 30 minutes of inactivity.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=asp,categories=supportaccess
// +kubebuilder:printcolumn:name="Inactivity",type=string,JSONPath=`.status.effectiveInactivityTimeout`
// +kubebuilder:printcolumn:name="Max-Session",type=string,JSONPath=`.spec.maxSessionLifetime`
// +kubebuilder:printcolumn:name="Max-Grant",type=string,JSONPath=`.spec.maxGrantDuration`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AccountSessionPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:default={}
	// +optional
	Spec AccountSessionPolicySpec `json:"spec,omitempty"`
	// +optional
	Status AccountSessionPolicyStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AccountSessionPolicyList contains a list of AccountSessionPolicy.
type AccountSessionPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AccountSessionPolicy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AccountSessionPolicy{}, &AccountSessionPolicyList{})
}
