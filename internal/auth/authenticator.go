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
	// resultWrongKind: a browser session's token used as an API credential, or the reverse
	// (docs/reference.md#browser-sessions: the app behind the gateway sees the cookie and must not
	// reach kube-apiserver).
	resultWrongKind = "wrong_kind"
	// resultClockSkew: logged in on a replica whose clock is ahead of this one's by more than
	// session.MaxClockSkew. Refused until this clock catches up, never deleted as forged.
	resultClockSkew    = "clock_skew"
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

// check validates a token of a session of kind at now (docs/reference.md#when-a-session-is-valid)
// and, when touch is set, records the activity. It is the hot path: a SHA-256, three lock-free map
// lookups and a few comparisons; no API call, no lock held, no allocation beyond the result.
func (a *Service) check(token string, kind session.Kind, now time.Time, touch bool) (Identity, string) {
	if len(token) < minimumTokenLength || len(token) > maxTokenLength {
		return Identity{}, resultMalformed
	}
	sess, ok := a.sessions.Lookup(session.HashToken(token))
	if !ok {
		return Identity{}, resultUnknown
	}
	if sess.Kind != kind {
		return Identity{}, resultWrongKind
	}
	id, result := a.checkSession(sess, now)
	if result == resultValid && touch {
		sess.Touch(now)
	}
	return id, result
}

// checkSession applies the rules of docs/reference.md#when-a-session-is-valid to a known session at
// now.
func (a *Service) checkSession(sess *session.Session, now time.Time) (Identity, string) {
	g, ok := a.index.grant(types.NamespacedName{Namespace: sess.Namespace, Name: sess.Grant})
	if !ok || !g.usable(now) {
		return Identity{}, resultGrantInvalid
	}
	// Fresh credentials (Secret replaced, expired grant renewed) end the sessions of the old ones.
	if g.LoginEmail != sess.Email || !g.IssuedAt.Equal(sess.CredentialsIssuedAt) || g.UID != sess.GrantUID {
		return Identity{}, resultStale
	}
	// Sessions are sealed with the operator's key (internal/session/seal.go); an unsealed Lease
	// never reached the store, so nothing is verified here, per request.
	if sess.CreatedAt.After(now.Add(session.MaxClockSkew)) {
		return Identity{}, resultClockSkew
	}
	settings := a.index.settings(sess.Namespace)
	// Activity ahead of this clock (a replica's clock within MaxClockSkew) counts as activity now.
	if now.Sub(sess.LastActivity()) >= settings.InactivityTimeout {
		return Identity{}, resultIdle
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
