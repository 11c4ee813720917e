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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AccessLevel says how much of the account a support user may see.
// +kubebuilder:validation:Enum=Limited;Full
type AccessLevel string

const (
	// AccessLevelLimited excludes personally identifiable information: message history, contacts,
	// campaigns and the Converse Desk inbox.
	AccessLevelLimited AccessLevel = "Limited"
	// AccessLevelFull includes personally identifiable information.
	AccessLevelFull AccessLevel = "Full"
)

// GrantPhase is the lifecycle phase of a SupportAccessGrant.
// +kubebuilder:validation:Enum=Pending;Active;Expired;Revoked
type GrantPhase string

const (
	// GrantPhasePending: credentials are not issued yet, or cannot be (see the Ready condition).
	GrantPhasePending GrantPhase = "Pending"
	// GrantPhaseActive: credentials are issued and valid until status.expiresAt.
	GrantPhaseActive GrantPhase = "Active"
	// GrantPhaseExpired: the validity window has ended; credentials are deleted. A renewal
	// (spec.renewedAt) issues fresh ones.
	GrantPhaseExpired GrantPhase = "Expired"
	// GrantPhaseRevoked: access was revoked for good; credentials are deleted.
	GrantPhaseRevoked GrantPhase = "Revoked"
)

// Condition types and reasons of a SupportAccessGrant.
const (
	// ConditionReady is True when the operator has brought the grant to what its spec asks:
	// credentials issued (reason Issued or Renewed, phase Active), or access ended (Revoked,
	// Expired) or not begun yet (NotYetValid). It is False, with the failure's reason, while the
	// operator cannot (SecretConflict, RoleBindingConflict, Forbidden, ReconcileError). Whether
	// support has access is status.phase: Active. This is the kstatus contract (docs/status.md).
	ConditionReady = "Ready"

	// ConditionExpiringSoon is True once an Active grant is past the warning point of its window
	// (a Warning event ExpiringSoon says so once); False before it; absent when not Active.
	ConditionExpiringSoon = "ExpiringSoon"

	// ConditionReconciling is True while the operator is still working on the grant's generation:
	// a step failed and is retried (reason ReconcileError). Absent once the generation is handled.
	// With Stalled it is the status contract of kstatus (sigs.k8s.io/cli-utils), which Flux and
	// kubectl wait read; docs/status.md.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when retrying cannot help until someone acts: the Secret or
	// RoleBinding name is taken (SecretConflict, RoleBindingConflict), or RBAC forbids what the
	// grant needs (Forbidden). Ready is False with the same reason. Absent otherwise.
	ConditionStalled = "Stalled"

	// Reasons of Ready.
	ReasonIssued         = "Issued"
	ReasonRenewed        = "Renewed"
	ReasonExpired        = "Expired"
	ReasonRevoked        = "Revoked"
	ReasonSecretConflict = "SecretConflict"
	// ReasonRoleBindingConflict: the grant's RoleBinding name is taken by a binding it does not own.
	ReasonRoleBindingConflict = "RoleBindingConflict"
	// ReasonNotYetValid: spec.renewedAt is further ahead than the renewal lead; no access until then.
	ReasonNotYetValid = "NotYetValid"
	// ReasonForbidden (Ready, Stalled): kube-apiserver refused the manager a write the grant needs,
	// such as binding a --full-cluster-role its RBAC does not name.
	ReasonForbidden = "Forbidden"
	// ReasonReconcileError (Ready, Reconciling): a step failed and is retried.
	ReasonReconcileError = "ReconcileError"

	// Reasons of ExpiringSoon.
	ReasonWithinWindow = "WithinWindow"
	ReasonExpiringSoon = "ExpiringSoon"
)

// Defaults of the SupportAccessGrant API.
const (
	// DefaultGrantDuration is the validity window when spec.duration is omitted: 7 days.
	DefaultGrantDuration = "168h"
	// MinGrantDuration is the shortest validity window a grant may ask for.
	MinGrantDuration = "15m"
	// SecretNameSuffix is appended to the grant's name when spec.secretName is omitted.
	SecretNameSuffix = "-credentials"
)

// SupportAccessGrantSpec is what the account owner asks for.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.revoked) || !oldSelf.revoked || (has(self.renewedAt) == has(oldSelf.renewedAt) && (!has(self.renewedAt) || self.renewedAt == oldSelf.renewedAt))",message="a revoked grant cannot be renewed: create a new grant",fieldPath=".renewedAt",reason=FieldValueForbidden
type SupportAccessGrantSpec struct {
	// accessLevel is how much of the account support may see. Limited excludes personally
	// identifiable information (message history, contacts, campaigns, the Converse Desk inbox);
	// Full includes it. Changing it on a live grant takes effect at the next token check.
	// +kubebuilder:default=Limited
	// +optional
	AccessLevel AccessLevel `json:"accessLevel,omitempty"`

	// duration is how long the credentials stay valid, as a Go duration string ("168h", "30m").
	// The window starts at spec.renewedAt when set, otherwise at the grant's creation. At least 15m;
	// at most the account's AccountSessionPolicy maxGrantDuration, or else the operator's
	// --max-grant-duration (default 720h).
	// +kubebuilder:default="168h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9]{1,5}(\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h)){1,4}$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]{1,5}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h)){1,4}$') || duration(self) >= duration('15m')",message="must be at least 15m"
	// +optional
	Duration *metav1.Duration `json:"duration,omitempty"`

	// revoked ends access for good when set to true: the credentials are deleted and every
	// session ends. It cannot be set back to false; to give access again, create a new grant.
	// +kubebuilder:default=false
	// +kubebuilder:validation:XValidation:rule="self || !oldSelf",message="cannot be set back to false once true: create a new grant to give access again"
	// +optional
	Revoked bool `json:"revoked,omitempty"`

	// renewedAt renews the grant: setting or changing it restarts the validity window at this
	// time (RFC 3339, at most 5 minutes in the future). An Active grant keeps its credentials; an
	// Expired grant gets fresh ones. Refused on a revoked grant.
	// +optional
	RenewedAt *metav1.Time `json:"renewedAt,omitempty"`

	// reason is free text explaining the grant, such as a support ticket number. It is copied
	// into the grant's events.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Reason string `json:"reason,omitempty"`

	// secretName is the name of the Secret, in the grant's namespace, that holds the login email
	// and password. Defaults to "<grant name>-credentials". Immutable.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +optional
	SecretName string `json:"secretName,omitempty"`
}

// SupportAccessGrantStatus is what the operator observed and did.
type SupportAccessGrantStatus struct {
	// phase summarises the grant's lifecycle: Pending, Active, Expired or Revoked.
	// +optional
	Phase GrantPhase `json:"phase,omitempty"`

	// loginEmail is the temporary login email issued for this grant. It is an identity only when
	// the operator issued it to this very grant: its random part is a MAC, under a key only the
	// operator holds, of the grant's UID (docs/security.md).
	// +kubebuilder:validation:MaxLength=254
	// +optional
	LoginEmail string `json:"loginEmail,omitempty"`

	// secretName is the Secret that holds the credentials while the grant is Active.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// issuedAt is when the current credentials were issued.
	// +optional
	IssuedAt *metav1.Time `json:"issuedAt,omitempty"`

	// expiresAt is the end of the validity window: its start plus spec.duration.
	// +optional
	ExpiresAt *metav1.Time `json:"expiresAt,omitempty"`

	// revokedAt is when the operator observed spec.revoked.
	// +optional
	RevokedAt *metav1.Time `json:"revokedAt,omitempty"`

	// lastUsedAt is the last recorded activity (login or token check) of any of the grant's login
	// sessions, to the second. Written only by the auth service's usage report, at most every 30
	// seconds per grant; the controller never writes it, so it keeps its value when the grant
	// expires or is renewed.
	// +optional
	LastUsedAt *metav1.Time `json:"lastUsedAt,omitempty"`

	// activeSessions is the number of live login sessions. Written only by the auth service's
	// usage report, at most every 30 seconds per grant; the controller never writes it. When the
	// grant expires or is revoked its sessions end, and the usage report's next write, within 40
	// seconds (the 30-second interval plus one 10-second pass), sets this to 0.
	// +optional
	ActiveSessions int32 `json:"activeSessions,omitempty"`

	// observedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready is True while the credentials can be used, with reason Issued or Renewed;
	// False with reason Pending, Expired, Revoked or SecretConflict otherwise.
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// SupportAccessGrant gives the vendor's support team temporary login access to this account
// (namespace). The operator issues a login email and a random password into a Secret, keeps them
// valid for spec.duration, and deletes them on expiry, revocation or deletion of the grant.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sag,categories=supportaccess
// +kubebuilder:printcolumn:name="Access",type=string,JSONPath=`.spec.accessLevel`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Login",type=string,JSONPath=`.status.loginEmail`
// +kubebuilder:printcolumn:name="Expires",type=string,JSONPath=`.status.expiresAt`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.spec.reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="(has(self.spec.secretName) ? self.spec.secretName : self.metadata.name + '-credentials') == (has(oldSelf.spec.secretName) ? oldSelf.spec.secretName : oldSelf.metadata.name + '-credentials')",message="is immutable",fieldPath=".spec.secretName",reason=FieldValueInvalid
type SupportAccessGrant struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:default={}
	// +optional
	Spec SupportAccessGrantSpec `json:"spec,omitempty"`
	// +optional
	Status SupportAccessGrantStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// SupportAccessGrantList contains a list of SupportAccessGrant.
type SupportAccessGrantList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SupportAccessGrant `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SupportAccessGrant{}, &SupportAccessGrantList{})
}

// CredentialsSecretName is the name of the grant's credentials Secret: spec.secretName, or
// "<grant name>-credentials". It is decided by the spec (which the admission webhook defaults),
// never by status.secretName, which anyone who may patch the status could point elsewhere.
func (g *SupportAccessGrant) CredentialsSecretName() string {
	if g.Spec.SecretName != "" {
		return g.Spec.SecretName
	}
	return g.Name + SecretNameSuffix
}
