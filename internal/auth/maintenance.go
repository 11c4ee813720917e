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
	"time"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/supportaccess/support-access-operator/internal/session"
	"github.com/supportaccess/support-access-operator/internal/usage"
)

// UsageInterval is the least time between two writes of one grant's lastUsedAt and
// activeSessions (docs/reference.md#debounced-writes).
const UsageInterval = 30 * time.Second

// maintenance runs on the leader only: it deletes the Leases of sessions that can no longer be
// used (idle, past their lifetime, grant gone or re-issued) and reports usage in grants' status.
// The token check never depends on it: a dead session is refused whether or not its Lease is gone.
type maintenance struct {
	svc    *Service
	client client.Client
	tick   time.Duration

	lastReport map[types.NamespacedName]time.Time
}

func (m *maintenance) NeedLeaderElection() bool { return true }

func (m *maintenance) Start(ctx context.Context) error {
	// Judging sessions before the indexes hold every grant and Secret would delete valid ones.
	if !toolscache.WaitForCacheSync(ctx.Done(), m.svc.handlersSynced...) {
		return nil
	}
	ticker := time.NewTicker(m.tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			m.run(ctx)
		}
	}
}

type grantUsage struct {
	active   int32
	lastUsed time.Time
}

func (m *maintenance) run(ctx context.Context) {
	now := m.svc.clock.Now()
	perGrant := map[types.NamespacedName]*grantUsage{}
	var dead []*session.Session
	m.svc.sessions.Range(func(s *session.Session) bool {
		key := types.NamespacedName{Namespace: s.Namespace, Name: s.Grant}
		u := perGrant[key]
		if u == nil {
			u = &grantUsage{}
			perGrant[key] = u
		}
		if last := s.LastActivity(); last.After(u.lastUsed) {
			u.lastUsed = last
		}
		if _, result := m.svc.checkSession(s, now); result != resultValid {
			// A login time ahead of this clock is a replica's skew, not a dead session.
			if result != resultClockSkew {
				dead = append(dead, s)
			}
			return true
		}
		u.active++
		return true
	})
	for _, s := range dead {
		if err := m.svc.sessions.Delete(ctx, s); err != nil {
			m.svc.log.Error(err, "Cannot delete ended session", "namespace", s.Namespace, "grant", s.Grant)
		}
	}
	for key, u := range perGrant {
		m.report(ctx, key, u, now)
	}
	// Forget the debounce state of grants that are gone.
	for key := range m.lastReport {
		if _, ok := m.svc.index.grant(key); !ok {
			delete(m.lastReport, key)
		}
	}
	// Grants whose last session went away report zero. This is also how the count of an expired,
	// revoked or re-issued grant drops: the controller deletes its sessions and never writes
	// activeSessions itself, so the zero comes from here, within UsageInterval (plus one tick).
	// Sessions still in the store but no longer valid were counted as dead above, and report zero
	// the same way.
	m.svc.index.grants.Range(func(k, v any) bool {
		key := k.(types.NamespacedName)
		if _, seen := perGrant[key]; !seen && v.(*grantState).grant.Status.ActiveSessions != 0 {
			m.report(ctx, key, &grantUsage{}, now)
		}
		return true
	})
}

// report writes one grant's usage when it changed and the grant's debounce interval has passed.
// It is the only writer of status.activeSessions and status.lastUsedAt (usage.Report).
func (m *maintenance) report(ctx context.Context, key types.NamespacedName, u *grantUsage, now time.Time) {
	g, ok := m.svc.index.grant(key)
	if !ok {
		return
	}
	st := g.grant.Status
	newer := !u.lastUsed.IsZero() && (st.LastUsedAt == nil || u.lastUsed.Truncate(time.Second).After(st.LastUsedAt.Time))
	if !newer && st.ActiveSessions == u.active {
		return
	}
	if last, ok := m.lastReport[key]; ok && now.Sub(last) < UsageInterval {
		return
	}
	var lastUsed *time.Time
	if newer {
		lastUsed = &u.lastUsed
	}
	// The only writer of these two fields (internal/usage); the controller never touches them.
	if err := usage.Report(ctx, m.client, key, u.active, lastUsed); err != nil {
		m.svc.log.V(1).Info("Cannot report grant usage", "grant", key.String(), "error", err.Error())
		return
	}
	m.lastReport[key] = now
}
