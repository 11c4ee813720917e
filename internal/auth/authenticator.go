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

package auth

import (
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/supportaccess/support-access-operator/internal/policy"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// Reasons a token is refused, used as metric labels. A caller never learns which one applied.
const (
	resultValid        = "valid"
	resultUnknown      = "unknown"
	resultGrantInvalid = "grant_invalid"
	resultStale        = "credentials_replaced"
	resultIdle         = "idle"
	resultLifetime     = "lifetime"
	resultMalformed    = "malformed"
	resultForged       = "unsealed"
	// maxClockSkew is how far ahead of this replica's clock another replica's activity may be.
	maxClockSkew       = time.Minute
	maxTokenLength     = 128
	minimumTokenLength = len(session.TokenPrefix) + 43
	bearerPrefixLength = len("Bearer ")
)

// Identity is who a valid token belongs to and until when.
type Identity struct {
	Session  *session.Session
	Grant    *grantState
	Settings policy.Settings
	// ExpiresAt is the latest moment the session can still be valid: the grant's end or the
	// session's absolute lifetime, whichever comes first (inactivity can end it sooner).
	ExpiresAt time.Time
}

// check validates a bearer token at now (SPEC §5.2) and, when touch is set, records the activity.
// It is the hot path: a SHA-256, two lock-free map lookups and a few comparisons; no API call,
// no lock held, no allocation beyond the result.
func (a *Service) check(token string, now time.Time, touch bool) (Identity, string) {
	if len(token) < minimumTokenLength || len(token) > maxTokenLength {
		return Identity{}, resultMalformed
	}
	sess, ok := a.sessions.Lookup(session.HashToken(token))
	if !ok {
		return Identity{}, resultUnknown
	}
	id, result := a.checkSession(sess, now)
	if result == resultValid && touch {
		sess.Touch(now)
	}
	return id, result
}

// checkSession applies the rules of SPEC §5.2 to a known session at now.
func (a *Service) checkSession(sess *session.Session, now time.Time) (Identity, string) {
	g, ok := a.index.grant(types.NamespacedName{Namespace: sess.Namespace, Name: sess.Grant})
	if !ok || !g.usable(now) {
		return Identity{}, resultGrantInvalid
	}
	// Fresh credentials (Secret replaced, expired grant renewed) end the sessions of the old ones.
	if g.LoginEmail != sess.Email || !g.IssuedAt.Equal(sess.CredentialsIssuedAt) || g.UID != sess.GrantUID {
		return Identity{}, resultStale
	}
	// Only the auth service, knowing the password's hash, can have sealed this Lease: one written
	// by anyone else who may create Leases in the namespace is no session.
	key, ok := a.index.passwordHash(g)
	if !ok || !sess.Verify(key) {
		return Identity{}, resultForged
	}
	settings := a.index.settings(sess.Namespace)
	idle := now.Sub(sess.LastActivity())
	if idle >= settings.InactivityTimeout {
		return Identity{}, resultIdle
	}
	// Activity is written only by replicas, at most their clock's now: a renewTime further ahead
	// than clock skew explains was written by someone else to dodge the idle timeout.
	if idle < -maxClockSkew {
		return Identity{}, resultForged
	}
	lifetimeEnd := sess.CreatedAt.Add(settings.MaxSessionLifetime)
	if !now.Before(lifetimeEnd) {
		return Identity{}, resultLifetime
	}
	expiresAt := g.WindowEnd
	if lifetimeEnd.Before(expiresAt) {
		expiresAt = lifetimeEnd
	}
	return Identity{Session: sess, Grant: g, Settings: settings, ExpiresAt: expiresAt}, resultValid
}
