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

// Package session keeps login sessions of support staff in the Kubernetes API, one
// coordination.k8s.io/v1 Lease per session (docs/reference.md#session-leases), so every replica
// agrees and restarts lose nothing. Each replica mirrors the Leases into memory from its informer:
// a token check is a hash and a map lookup, never an API call.
package session

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/internal/keyring"
)

const (
	// ComponentSession is the supportaccess.io/component label value of session Leases.
	ComponentSession = supportaccessv1alpha1.ComponentSession
	// annotationIssuedAt records the grant's credentials generation at login.
	annotationIssuedAt = "supportaccess.io/credentials-issued-at"
	// tombstoneTTL is how long a logged-out hash stays refused even if a late watch event
	// (an add or update that raced the delete) would bring it back.
	tombstoneTTL = 10 * time.Minute
)

// Labels returns the labels of a session Lease of grant.
func Labels(grant string) map[string]string {
	return map[string]string{
		supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
		supportaccessv1alpha1.LabelComponent: ComponentSession,
		supportaccessv1alpha1.LabelGrant:     grant,
	}
}

// Store creates and deletes session Leases and mirrors them in memory.
type Store struct {
	client client.Client
	clock  clock.PassiveClock
	ring   *keyring.Keyring
	// sessions maps Hash to *Session. sync.Map: read on every token check, written on logins.
	// Only sealed Leases enter it (see seal.go); an entry is removed only by an event about the
	// very Lease it came from (same namespace and UID): a token's hash alone names no Lease.
	sessions sync.Map
	// tombstones maps Hash to the time it was deleted here.
	tombstones sync.Map
	// pendingDeletes maps Hash to sessions whose Lease deletion failed and is retried.
	pendingDeletes sync.Map
	// ended maps Hash to an endedSession for tombstoneTTL after the session left the store, so the
	// login page can tell a browser why its cookie stopped working
	// (docs/gateways.md#forward-auth-answers). Only sessions that were sealed ever enter it; the
	// answer is shown to whoever holds the token, nobody else.
	ended sync.Map
}

type endedSession struct {
	sess *Session
	at   time.Time
}

// NewStore returns a Store writing through c (the manager's client) and sealing with ring.
func NewStore(c client.Client, clk clock.PassiveClock, ring *keyring.Keyring) *Store {
	return &Store{client: c, clock: clk, ring: ring}
}

// Lookup returns the live session of hash h, if any. No lock, no allocation, no API call.
func (s *Store) Lookup(h Hash) (*Session, bool) {
	v, ok := s.sessions.Load(h)
	if !ok {
		return nil, false
	}
	return v.(*Session), true
}

// Create writes a new session Lease for a login to grant with email (verified by the caller) and
// returns the session's token. The Lease is owned by the grant, so a cluster's garbage collector
// removes it with the grant even if the operator is gone. It takes two writes: the seal covers
// the Lease's UID, which exists only once the Lease does.
func (s *Store) Create(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, email string, credentialsIssuedAt time.Time, kind Kind) (string, *Session, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", nil, err
	}
	// Microseconds: what a Lease's MicroTime keeps, so the sealed value survives the round trip.
	now := s.clock.Now().Truncate(time.Microsecond)
	credentialsIssuedAt = credentialsIssuedAt.Truncate(time.Second)
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   grant.Namespace,
			Name:        LeaseName(hash),
			Labels:      Labels(grant.Name),
			Annotations: map[string]string{annotationIssuedAt: credentialsIssuedAt.UTC().Format(time.RFC3339)},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: supportaccessv1alpha1.GroupVersion.String(),
				Kind:       "SupportAccessGrant",
				Name:       grant.Name,
				UID:        grant.UID,
			}},
		},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: ptr.To(identity.Username(email)),
			AcquireTime:    &metav1.MicroTime{Time: now},
			RenewTime:      &metav1.MicroTime{Time: now},
		},
	}
	if kind == KindBrowser {
		lease.Annotations[annotationKind] = kindBrowserValue
	}
	if err := s.client.Create(ctx, lease); err != nil {
		return "", nil, Redact("create session Lease in "+grant.Namespace, err)
	}
	seal := sign(s.ring, sessionClaims(lease.Namespace, lease.Name, lease.UID, grant.Name, grant.UID, email, credentialsIssuedAt, now, kind))
	activity := sign(s.ring, activityClaims(lease.Namespace, lease.Name, lease.UID, now))
	if err := s.patch(ctx, lease, map[string]any{"annotations": map[string]string{
		annotationSessionSeal: seal, annotationActivitySeal: activity,
	}}, nil); err != nil {
		// Unsealed, the Lease is no session anywhere; remove it rather than leave litter.
		uid := lease.UID
		_ = s.client.Delete(ctx, lease, client.Preconditions{UID: &uid})
		return "", nil, Redact("seal session Lease in "+grant.Namespace, err)
	}
	sess := &Session{
		Hash: hash, Namespace: lease.Namespace, Grant: grant.Name, Email: email, GrantUID: grant.UID,
		LeaseUID: lease.UID, CredentialsIssuedAt: credentialsIssuedAt, CreatedAt: now, Kind: kind,
	}
	sess.observeRemote(now, now)
	sess.lastFlush.Store(now.UnixNano())
	sess.flushedActivity.Store(now.UnixNano())
	// Visible on this replica at once; the others learn it from their watch.
	s.sessions.Store(hash, sess)
	return token, sess, nil
}

// patch merge-patches a session Lease's metadata (and spec, when set), only if it is still the
// Lease of that UID: a Lease re-created under the same name is another object.
func (s *Store) patch(ctx context.Context, lease *coordinationv1.Lease, metadata map[string]any, spec map[string]any) error {
	metadata["uid"] = lease.UID
	body := map[string]any{"metadata": metadata}
	if spec != nil {
		body["spec"] = spec
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return s.client.Patch(ctx, lease, client.RawPatch(types.MergePatchType, raw))
}

// Delete ends a session: refused on this replica at once, and on every other as soon as their
// watch delivers the Lease's deletion.
func (s *Store) Delete(ctx context.Context, sess *Session) error {
	s.tombstones.Store(sess.Hash, s.clock.Now())
	s.remove(sess)
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: sess.Namespace, Name: LeaseName(sess.Hash)}}
	err := s.client.Delete(ctx, lease, client.Preconditions{UID: &sess.LeaseUID})
	// NotFound: already gone. Conflict on the UID precondition: the Lease of that name is another
	// object (re-created by someone), not this session's, which is therefore gone too.
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		// Refused here already; the other replicas learn it only from the Lease's deletion, so
		// keep trying (RetryDeletes) rather than leave the token alive elsewhere.
		s.pendingDeletes.Store(sess.Hash, sess)
		return Redact("delete session Lease in "+sess.Namespace, err)
	}
	s.pendingDeletes.Delete(sess.Hash)
	return nil
}

// remove drops sess from the live sessions, remembering it as ended.
func (s *Store) remove(sess *Session) {
	if s.sessions.CompareAndDelete(sess.Hash, sess) {
		s.ended.Store(sess.Hash, endedSession{sess: sess, at: s.clock.Now()})
	}
}

// Ended returns the session of hash h if it left the store within the last tombstoneTTL (logout,
// a deleted Lease, the janitor): the caller tells "access ended" from "log in again" by its grant.
func (s *Store) Ended(h Hash) (*Session, bool) {
	v, ok := s.ended.Load(h)
	if !ok {
		return nil, false
	}
	return v.(endedSession).sess, true
}

// RetryDeletes retries the Lease deletions that failed.
func (s *Store) RetryDeletes(ctx context.Context) {
	s.pendingDeletes.Range(func(_, v any) bool {
		_ = s.Delete(ctx, v.(*Session))
		return ctx.Err() == nil
	})
}

// PendingDeletes returns how many ended sessions still wait for their Lease's deletion.
func (s *Store) PendingDeletes() int {
	n := 0
	s.pendingDeletes.Range(func(_, _ any) bool { n++; return true })
	return n
}

// Put adds a session to this replica's view only (benchmarks and tests of the hot path).
func (s *Store) Put(sess *Session) { s.sessions.Store(sess.Hash, sess) }

// Range calls f for every live session until f returns false.
func (s *Store) Range(f func(*Session) bool) {
	s.sessions.Range(func(_, v any) bool { return f(v.(*Session)) })
}

// EventHandler returns the informer handler that mirrors session Leases into the store.
func (s *Store) EventHandler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.upsert(obj) },
		UpdateFunc: func(_, obj any) { s.upsert(obj) },
		DeleteFunc: func(obj any) {
			if tombstone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			if lease, ok := obj.(*coordinationv1.Lease); ok {
				s.forget(lease)
			}
		},
	}
}

// forget drops the session that lease holds, if the store has it from that very Lease.
func (s *Store) forget(lease *coordinationv1.Lease) {
	h, ok := hashFromLeaseName(lease.Name)
	if !ok {
		return
	}
	if existing, ok := s.Lookup(h); ok && existing.Namespace == lease.Namespace && existing.LeaseUID == lease.UID {
		s.remove(existing)
	}
}

func (s *Store) upsert(obj any) {
	lease, ok := obj.(*coordinationv1.Lease)
	if !ok || lease.Labels[supportaccessv1alpha1.LabelComponent] != ComponentSession {
		return
	}
	// A Lease being deleted is a dead session on every replica, finalizers or not
	// (docs/reference.md#session-leases).
	if lease.DeletionTimestamp != nil {
		s.forget(lease)
		return
	}
	h, ok := hashFromLeaseName(lease.Name)
	if !ok {
		return
	}
	if deletedAt, dead := s.tombstones.Load(h); dead {
		if s.clock.Since(deletedAt.(time.Time)) < tombstoneTTL {
			return
		}
		s.tombstones.Delete(h)
	}
	now := s.clock.Now()
	if existing, ok := s.Lookup(h); ok && existing.Namespace == lease.Namespace {
		if existing.LeaseUID == lease.UID {
			// The same session: only activity a replica sealed counts; any other edit changes nothing.
			if t, ok := s.sealedActivity(lease); ok {
				existing.observeRemote(t, now)
			}
			return
		}
		// Another object under the session's name in its namespace: the session's own Lease is
		// gone (a watch that re-listed may deliver this as an update, never the delete), so the
		// session ended. Whatever the new Lease holds is judged on its own below.
		s.remove(existing)
	}
	sess, ok := s.verified(lease, h, now)
	if !ok {
		// Unsealed (being sealed right after its creation, or written by someone else): no
		// session, and it shadows none.
		return
	}
	s.sessions.Store(h, sess)
}

// PruneTombstones forgets logged-out hashes and ended sessions older than the tombstone TTL.
func (s *Store) PruneTombstones() {
	s.tombstones.Range(func(k, v any) bool {
		if s.clock.Since(v.(time.Time)) >= tombstoneTTL {
			s.tombstones.Delete(k)
		}
		return true
	})
	s.ended.Range(func(k, v any) bool {
		if s.clock.Since(v.(endedSession).at) >= tombstoneTTL {
			s.ended.Delete(k)
		}
		return true
	})
}

// verified returns the session a Lease holds when its seal verifies.
func (s *Store) verified(lease *coordinationv1.Lease, h Hash, now time.Time) (*Session, bool) {
	if lease.Spec.HolderIdentity == nil || lease.Spec.AcquireTime == nil {
		return nil, false
	}
	sess := &Session{
		Hash:      h,
		Namespace: lease.Namespace,
		Grant:     lease.Labels[supportaccessv1alpha1.LabelGrant],
		LeaseUID:  lease.UID,
		CreatedAt: lease.Spec.AcquireTime.Time,
	}
	var ok bool
	if sess.Email, ok = identity.EmailFromUsername(*lease.Spec.HolderIdentity); !ok {
		return nil, false
	}
	issuedAt, err := time.Parse(time.RFC3339, lease.Annotations[annotationIssuedAt])
	if err != nil {
		return nil, false
	}
	sess.CredentialsIssuedAt = issuedAt
	for _, ref := range lease.OwnerReferences {
		if ref.Kind == "SupportAccessGrant" && ref.Name == sess.Grant {
			sess.GrantUID = ref.UID
		}
	}
	switch lease.Annotations[annotationKind] {
	case "":
		sess.Kind = KindAPI
	case kindBrowserValue:
		sess.Kind = KindBrowser
	default:
		return nil, false
	}
	claims := sessionClaims(lease.Namespace, lease.Name, lease.UID, sess.Grant, sess.GrantUID, sess.Email, sess.CredentialsIssuedAt, sess.CreatedAt, sess.Kind)
	if !verifySeal(s.ring, lease.Annotations[annotationSessionSeal], claims) {
		return nil, false
	}
	// Activity starts at login; a renewTime counts only with its seal.
	sess.observeRemote(sess.CreatedAt, now)
	if t, ok := s.sealedActivity(lease); ok {
		sess.observeRemote(t, now)
	}
	sess.lastFlush.Store(sess.LastActivity().UnixNano())
	sess.flushedActivity.Store(sess.remoteActivity.Load())
	return sess, true
}

// sealedActivity returns the Lease's renewTime when a replica sealed it.
func (s *Store) sealedActivity(lease *coordinationv1.Lease) (time.Time, bool) {
	if lease.Spec.RenewTime == nil {
		return time.Time{}, false
	}
	t := lease.Spec.RenewTime.Time
	if !verifySeal(s.ring, lease.Annotations[annotationActivitySeal], activityClaims(lease.Namespace, lease.Name, lease.UID, t)) {
		return time.Time{}, false
	}
	return t, true
}
