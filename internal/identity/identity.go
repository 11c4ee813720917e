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

// Package identity names support users the same way everywhere (docs/reference.md#kubernetes-user):
// in RoleBindings written by the grant controller and in the user info the auth service returns to
// kube-apiserver.
package identity

import (
	"strings"
	"time"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

const (
	// UsernamePrefix starts every support user's Kubernetes username.
	UsernamePrefix = "supportaccess:"
	// GroupSupport holds every support user.
	GroupSupport = "supportaccess.io:support"
	// GroupAccessFull and GroupAccessLimited tell the access level.
	GroupAccessFull    = "supportaccess.io:access:full"
	GroupAccessLimited = "supportaccess.io:access:limited"
	// GroupAccountPrefix + namespace names the account.
	GroupAccountPrefix = "supportaccess.io:account:"

	// Extra keys of the user info.
	ExtraGrant     = "supportaccess.io/grant"
	ExtraAccount   = "supportaccess.io/account"
	ExtraExpiresAt = "supportaccess.io/expires-at"
)

// Username returns the Kubernetes username of the support user logging in with email.
func Username(email string) string { return UsernamePrefix + email }

// Groups returns the groups of a support user of a grant with this access level in this account.
func Groups(level supportaccessv1alpha1.AccessLevel, account string) []string {
	access := GroupAccessLimited
	if level == supportaccessv1alpha1.AccessLevelFull {
		access = GroupAccessFull
	}
	return []string{GroupSupport, access, GroupAccountPrefix + account}
}

// Extra returns the extra user info naming the grant, its account and its expiry.
func Extra(grant, account string, expiresAt time.Time) map[string][]string {
	return map[string][]string{
		ExtraGrant:     {grant},
		ExtraAccount:   {account},
		ExtraExpiresAt: {expiresAt.UTC().Format(time.RFC3339)},
	}
}

// EmailFromUsername returns the login email of a support user's username.
func EmailFromUsername(username string) (string, bool) {
	return strings.CutPrefix(username, UsernamePrefix)
}
