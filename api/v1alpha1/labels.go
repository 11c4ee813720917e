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

// Labels, keys and types shared by the operator, its auth service and its clients. They are part of
// the product's contract (docs/reference.md#credentials-secret): other tools select the operator's
// objects by them.
const (
	// LabelManagedBy marks every object the operator creates; the manager caches only those.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of LabelManagedBy on the operator's objects.
	ManagedByValue = "support-access-operator"
	// LabelGrant names the SupportAccessGrant an object belongs to.
	LabelGrant = "supportaccess.io/grant"
	// LabelComponent tells the operator's kinds of object apart (credentials, rbac, session).
	LabelComponent = "supportaccess.io/component"

	// ComponentCredentials and ComponentRBAC are the LabelComponent values of a grant's
	// credentials Secret and RoleBinding.
	ComponentCredentials = "credentials"
	ComponentRBAC        = "rbac"
	// ComponentSession is the LabelComponent value of session Leases (one per login).
	ComponentSession = "session"
	// AnnotationSessionKind is "browser" (SessionKindBrowser) on a session Lease made by the login
	// page, absent on an API session's. It is covered by the session's seal, so only the operator's
	// own value counts (docs/reference.md#browser-sessions); clients read it for display only.
	AnnotationSessionKind = "supportaccess.io/session-kind"
	SessionKindBrowser    = "browser"
	// SecretTypeCredentials is the type of a grant's credentials Secret.
	SecretTypeCredentials = "supportaccess.io/credentials"
	// Keys of the credentials Secret.
	SecretKeyEmail     = "email"
	SecretKeyPassword  = "password"
	SecretKeyExpiresAt = "expiresAt"
	SecretKeyLoginURL  = "loginURL"

	// GrantFinalizer holds a grant until its credentials, binding and sessions are gone.
	GrantFinalizer = "supportaccess.io/revoke-access"
)
