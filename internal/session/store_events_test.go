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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/internal/keyring"
)

func testRing(t *testing.T) *keyring.Keyring {
	t.Helper()
	key, err := keyring.GenerateKey(1)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// A session Lease is a session only as far as the operator's seals vouch for it: what a tenant
// edits in a Lease of its namespace either changes nothing or ends the session, never extends it,
// moves it or turns it into another kind (docs/security.md).
func TestStoreBelievesOnlySealedLeases(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		edit    func(l *coordinationv1.Lease)
		session bool
	}{
		{"as sealed", func(*coordinationv1.Lease) {}, true},
		{"no seal", func(l *coordinationv1.Lease) { delete(l.Annotations, annotationSessionSeal) }, false},
		{"a seal of another key", func(l *coordinationv1.Lease) {
			other := testRing(t)
			l.Annotations[annotationSessionSeal] = sign(other, sessionClaims(l.Namespace, l.Name, l.UID, "g", "grant-uid", "support-x@support.test",
				now.Add(-time.Hour).Truncate(time.Second), l.Spec.AcquireTime.Time, KindAPI))
		}, false},
		{"another holder (a tenant's own email)", func(l *coordinationv1.Lease) {
			l.Spec.HolderIdentity = ptr.To(identity.Username("support-y@support.test"))
		}, false},
		{"a later login time (a longer lifetime)", func(l *coordinationv1.Lease) {
			l.Spec.AcquireTime = &metav1.MicroTime{Time: now.Add(time.Hour)}
		}, false},
		{"another credentials generation", func(l *coordinationv1.Lease) {
			l.Annotations[annotationIssuedAt] = now.Format(time.RFC3339)
		}, false},
		{"turned into a browser session", func(l *coordinationv1.Lease) {
			l.Annotations[supportaccessv1alpha1.AnnotationSessionKind] = supportaccessv1alpha1.SessionKindBrowser
		}, false},
		{"an unknown kind", func(l *coordinationv1.Lease) { l.Annotations[supportaccessv1alpha1.AnnotationSessionKind] = "admin" }, false},
		{"moved to another grant", func(l *coordinationv1.Lease) { l.Labels[supportaccessv1alpha1.LabelGrant] = "other" }, false},
		{"owned by another grant UID", func(l *coordinationv1.Lease) { l.OwnerReferences[0].UID = "other-uid" }, false},
		{"not labelled a session", func(l *coordinationv1.Lease) { l.Labels[supportaccessv1alpha1.LabelComponent] = "rbac" }, false},
		{"a name that is no session's", func(l *coordinationv1.Lease) { l.Name = "session-not-a-hash" }, false},
		{"being deleted", func(l *coordinationv1.Lease) { l.DeletionTimestamp = &metav1.Time{Time: now} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ring := testRing(t)
			store := NewStore(nil, clocktesting.NewFakeClock(now), ring)
			lease, hash := sealedLease(t, ring, "lease-1", now)
			tc.edit(lease)
			store.EventHandler().OnAdd(lease, false)
			_, ok := store.Lookup(hash)
			NewWithT(t).Expect(ok).To(Equal(tc.session))
		})
	}
}

// Activity counts only with its seal, and never further ahead than the clock skew allowed.
func TestStoreActivityFromTheLease(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		// renewed is the renewTime written; sealed whether a replica sealed it.
		renewed time.Time
		sealed  bool
		want    time.Time
	}{
		{"sealed activity counts", now.Add(30 * time.Second), true, now.Add(30 * time.Second)},
		{"an unsealed renewTime (a tenant's edit) changes nothing", now.Add(30 * time.Second), false, now},
		{"activity far ahead counts up to the skew allowed", now.Add(time.Hour), true, now.Add(MaxClockSkew)},
		{"older activity does not go back", now.Add(-time.Minute), true, now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ring := testRing(t)
			store := NewStore(nil, clocktesting.NewFakeClock(now), ring)
			lease, hash := sealedLease(t, ring, "lease-1", now)
			h := store.EventHandler()
			h.OnAdd(lease, false)
			edited := lease.DeepCopy()
			edited.Spec.RenewTime = &metav1.MicroTime{Time: tc.renewed}
			if tc.sealed {
				edited.Annotations[annotationActivitySeal] = sign(ring, activityClaims(edited.Namespace, edited.Name, edited.UID, tc.renewed))
			}
			h.OnUpdate(lease, edited)
			s, ok := store.Lookup(hash)
			g.Expect(ok).To(BeTrue(), "an activity edit ended the session")
			g.Expect(s.LastActivity()).To(BeTemporally("==", tc.want))
		})
	}
}

// A Lease's deletion ends the session on this replica; a late event that brings the same Lease
// back within the tombstone's time does not revive it; the ended session is remembered for the
// login page as long, then forgotten.
func TestStoreTombstonesAndEndedSessions(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakeClock(now)
	ring := testRing(t)
	store := NewStore(nil, clk, ring)
	h := store.EventHandler()
	lease, hash := sealedLease(t, ring, "lease-1", now)
	h.OnAdd(lease, false)
	sess, ok := store.Lookup(hash)
	g.Expect(ok).To(BeTrue())

	store.tombstones.Store(hash, clk.Now()) // what Delete records before the API call
	h.OnDelete(lease)
	_, ok = store.Lookup(hash)
	g.Expect(ok).To(BeFalse(), "the deleted Lease's session lives on")
	ended, ok := store.Ended(hash)
	g.Expect(ok).To(BeTrue())
	g.Expect(ended).To(BeIdenticalTo(sess))

	h.OnAdd(lease, false) // a late add that raced the delete
	_, ok = store.Lookup(hash)
	g.Expect(ok).To(BeFalse(), "a late event revived a logged-out session")

	clk.Step(tombstoneTTL)
	store.PruneTombstones()
	_, ok = store.Ended(hash)
	g.Expect(ok).To(BeFalse(), "ended sessions are forgotten after the tombstone's time")
	_, dead := store.tombstones.Load(hash)
	g.Expect(dead).To(BeFalse())
}

// Touch is an atomic max: activity never goes back, whatever order the requests end in.
func TestTouch(t *testing.T) {
	g := NewWithT(t)
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s := &Session{}
	s.Touch(t0.Add(2 * time.Second))
	s.Touch(t0)
	g.Expect(s.LastActivity()).To(BeTemporally("==", t0.Add(2*time.Second)))
	s.Touch(t0.Add(3 * time.Second))
	g.Expect(s.LastActivity()).To(BeTemporally("==", t0.Add(3*time.Second)))
}

// Activity is written at most every tenth of the timeout, and at least every 30 s.
func TestFlushInterval(t *testing.T) {
	for timeout, want := range map[time.Duration]time.Duration{
		15 * time.Minute: 30 * time.Second,
		30 * time.Minute: 30 * time.Second,
		2 * time.Minute:  12 * time.Second,
		12 * time.Hour:   30 * time.Second,
	} {
		NewWithT(t).Expect(FlushInterval(timeout)).To(Equal(want), "timeout %s", timeout)
	}
}

// The activity debounce: a write only for new activity, at most once per interval, and at once
// at shutdown.
func TestFlushDue(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	const interval = 30 * time.Second
	for _, tc := range []struct {
		name                            string
		local, flushed, remote, lastRun time.Time
		now                             time.Time
		final                           bool
		due                             bool
	}{
		{"new activity, interval passed", t0.Add(40 * time.Second), t0, t0, t0, t0.Add(40 * time.Second), false, true},
		{"new activity within the interval", t0.Add(10 * time.Second), t0, t0, t0, t0.Add(10 * time.Second), false, false},
		{"within the interval, at shutdown", t0.Add(10 * time.Second), t0, t0, t0, t0.Add(10 * time.Second), true, true},
		{"nothing new since the last write", t0.Add(5 * time.Second), t0.Add(5 * time.Second), t0, t0, t0.Add(time.Minute), false, false},
		{"another replica wrote newer activity", t0.Add(5 * time.Second), t0, t0.Add(6 * time.Second), t0, t0.Add(time.Minute), false, false},
		{"idle: no activity at all", t0, t0, t0, t0, t0.Add(time.Hour), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			s := &Session{}
			s.localActivity.Store(tc.local.UnixNano())
			s.flushedActivity.Store(tc.flushed.UnixNano())
			s.remoteActivity.Store(tc.remote.UnixNano())
			s.lastFlush.Store(tc.lastRun.UnixNano())
			at, due := flushDue(s, tc.now, interval, tc.final)
			g.Expect(due).To(Equal(tc.due))
			if due {
				g.Expect(at).To(BeTemporally("==", tc.local), "the activity written is the latest seen")
			}
		})
	}
}
