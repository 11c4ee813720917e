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
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/supportaccess/support-access-operator/internal/session"
)

const (
	// DefaultMaxSessionsPerGrant is --max-sessions-per-grant's default: enough for one support
	// engineer's kubectl and browser, a colleague's, and a few stale ones.
	DefaultMaxSessionsPerGrant = 10
	// Successful logins per grant are limited to grantLoginBurst per grantLoginWindow: every login
	// writes a Lease, and whoever holds the password must not turn that into an API write flood.
	grantLoginBurst  = 30
	grantLoginWindow = 15 * time.Minute
)

// endOldestSessions keeps at most maxSessions live sessions of g after a login at now, ending the
// oldest first, each with an event on the grant. Logins are rare next to token checks: a walk over
// this replica's sessions is cheaper than an index kept up on every watch event.
func (a *Service) endOldestSessions(ctx context.Context, g *grantState, now time.Time) {
	var live []*session.Session
	a.sessions.Range(func(s *session.Session) bool {
		if s.Namespace == g.Namespace && s.Grant == g.Name && s.GrantUID == g.UID {
			if _, result := a.checkSession(s, now); result == resultValid {
				live = append(live, s)
			}
		}
		return true
	})
	if len(live) <= a.maxSessions {
		return
	}
	slices.SortFunc(live, func(x, y *session.Session) int { return x.CreatedAt.Compare(y.CreatedAt) })
	for _, s := range live[:len(live)-a.maxSessions] {
		if err := a.sessions.Delete(ctx, s); err != nil {
			// Refused here already; the flusher retries the Lease's deletion.
			a.log.Error(err, "Cannot end a session over the per-grant limit", "namespace", g.Namespace, "grant", g.Name)
		}
		a.recorder.Eventf(g.grant, nil, corev1.EventTypeNormal, "SessionLimit", "Logout",
			"Ended the oldest session of %s (logged in %s): at most %d sessions per grant",
			g.LoginEmail, s.CreatedAt.UTC().Format(time.RFC3339), a.maxSessions)
	}
}
