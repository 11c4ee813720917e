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

package session

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// MaxFlushInterval bounds how long activity stays only in one replica's memory
// (docs/reference.md#debounced-writes).
const MaxFlushInterval = 30 * time.Second

// FlushInterval returns how often a session's activity may be written: min(timeout/10, 30s).
func FlushInterval(inactivityTimeout time.Duration) time.Duration {
	return min(inactivityTimeout/10, MaxFlushInterval)
}

// ActivityFlusher writes sessions' activity to their Leases, debounced: at most once per
// FlushInterval per session, never on the request path. It runs on every replica (each flushes
// the activity it saw) and stops with the manager.
type ActivityFlusher struct {
	Store  *Store
	Client client.Client
	Clock  clock.PassiveClock
	// InactivityTimeout returns the timeout in force for an account.
	InactivityTimeout func(namespace string) time.Duration
	// Tick is how often dirty sessions are looked for (default 1s).
	Tick time.Duration
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: every replica flushes its own.
func (f *ActivityFlusher) NeedLeaderElection() bool { return false }

// Start implements manager.Runnable.
func (f *ActivityFlusher) Start(ctx context.Context) error {
	tick := f.Tick
	if tick <= 0 {
		tick = time.Second
	}
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			// Last chance to keep activity seen just before shutdown.
			flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			f.flush(flushCtx, true)
			cancel()
			return nil
		case <-ticker.C:
			f.flush(ctx, false)
			f.Store.RetryDeletes(ctx)
			f.Store.PruneTombstones()
		}
	}
}

// flush writes the activity of every session whose debounce interval has passed (or all dirty
// sessions when final).
func (f *ActivityFlusher) flush(ctx context.Context, final bool) {
	now := f.Clock.Now()
	f.Store.Range(func(s *Session) bool {
		at, due := flushDue(s, now, FlushInterval(f.InactivityTimeout(s.Namespace)), final)
		if !due {
			return true
		}
		local := at.UnixNano()
		if err := f.write(ctx, s, at); err != nil {
			if !apierrors.IsNotFound(err) {
				logf.FromContext(ctx).Error(err, "Cannot record session activity", "namespace", s.Namespace, "grant", s.Grant)
			}
			return ctx.Err() == nil
		}
		s.flushedActivity.Store(local)
		s.lastFlush.Store(now.UnixNano())
		return true
	})
}

// flushDue returns the activity to write for s at now, and whether it is due: this replica saw
// activity newer than it wrote and than the Lease holds, and (unless final, at shutdown) it last
// wrote the Lease at least interval ago. That is the debounce: a busy session costs one write per
// interval, an idle one none.
func flushDue(s *Session, now time.Time, interval time.Duration, final bool) (time.Time, bool) {
	local := s.localActivity.Load()
	if local <= s.flushedActivity.Load() || local <= s.remoteActivity.Load() {
		return time.Time{}, false
	}
	if !final && now.Sub(time.Unix(0, s.lastFlush.Load())) < interval {
		return time.Time{}, false
	}
	return time.Unix(0, local), true
}

// write patches the Lease's renewTime and its activity seal; a merge patch touches nothing else, so
// concurrent writers (another replica, the janitor) never lose each other's fields.
func (f *ActivityFlusher) write(ctx context.Context, s *Session, at time.Time) error {
	at = at.Truncate(time.Microsecond)
	lease := &coordinationv1.Lease{}
	lease.Namespace, lease.Name, lease.UID = s.Namespace, LeaseName(s.Hash), s.LeaseUID
	seal := sign(f.Store.ring, activityClaims(lease.Namespace, lease.Name, lease.UID, at))
	err := f.Store.patch(ctx, lease,
		map[string]any{"annotations": map[string]string{annotationActivitySeal: seal}},
		map[string]any{"renewTime": metav1.MicroTime{Time: at}})
	return Redact("record session activity", err)
}
