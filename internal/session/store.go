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
// coordination.k8s.io/v1 Lease per session (SPEC §5.3), so every replica agrees and restarts lose
// nothing. Each replica mirrors the Leases into memory from its informer: a token check is a hash
// and a map lookup, never an API call.
package session

import (
	"context"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/identity"
)

const (
	// ComponentSession is the supportaccess.io/component label value of session Leases.
	ComponentSession = "session"
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

	// sessions maps Hash to *Session. sync.Map: read on every token check, written on logins.
	sessions sync.Map
	// tombstones maps Hash to the time it was deleted here.
	tombstones sync.Map
	// pendingDeletes maps Hash to sessions whose Lease deletion failed and is retried.
	pendingDeletes sync.Map
}

// NewStore returns a Store writing through c (the manager's client).
func NewStore(c client.Client, clk clock.PassiveClock) *Store {
	return &Store{client: c, clock: clk}
}

// Lookup returns the live session of hash h, if any. No lock, no allocation, no API call.
func (s *Store) Lookup(h Hash) (*Session, bool) {
	v, ok := s.sessions.Load(h)
	if !ok {
		return nil, false
	}
	return v.(*Session), true
}

// Create writes a new session Lease for a login to grant and returns the session's token. The
// Lease is owned by the grant, so a cluster's garbage collector removes it with the grant even if
// the operator is gone.
//
// key is the SHA-256 of the grant's password: it seals the Lease (see Verify).
func (s *Store) Create(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, credentialsIssuedAt time.Time, key [32]byte) (string, *Session, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", nil, err
	}
	// Microseconds: what a Lease's MicroTime keeps, so the sealed value survives the round trip.
	now := s.clock.Now().Truncate(time.Microsecond)
	credentialsIssuedAt = credentialsIssuedAt.Truncate(time.Second)
	email := grant.Status.LoginEmail
	name := LeaseName(hash)
	sealed := seal(key[:], claims(grant.Namespace, name, grant.Name, grant.UID, email, credentialsIssuedAt, now))
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: grant.Namespace,
			Name:      name,
			Labels:    Labels(grant.Name),
			Annotations: map[string]string{
				annotationIssuedAt: credentialsIssuedAt.UTC().Format(time.RFC3339),
				annotationMAC:      sealed.String(),
			},
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
	if err := s.client.Create(ctx, lease); err != nil {
		return "", nil, redact("create session Lease in "+grant.Namespace, err)
	}
	sess := sessionFromLease(lease, hash)
	// Visible on this replica at once; the others learn it from their watch.
	s.sessions.Store(hash, sess)
	return token, sess, nil
}

// Delete ends a session: refused on this replica at once, and on every other as soon as their
// watch delivers the Lease's deletion.
func (s *Store) Delete(ctx context.Context, sess *Session) error {
	s.tombstones.Store(sess.Hash, s.clock.Now())
	s.sessions.Delete(sess.Hash)
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: sess.Namespace, Name: LeaseName(sess.Hash)}}
	var opts []client.DeleteOption
	if sess.LeaseUID != "" {
		opts = append(opts, client.Preconditions{UID: &sess.LeaseUID})
	}
	if err := s.client.Delete(ctx, lease, opts...); err != nil && !apierrors.IsNotFound(err) {
		// Refused here already; the other replicas learn it only from the Lease's deletion, so
		// keep trying (RetryDeletes) rather than leave the token alive elsewhere.
		s.pendingDeletes.Store(sess.Hash, sess)
		return redact("delete session Lease in "+sess.Namespace, err)
	}
	s.pendingDeletes.Delete(sess.Hash)
	return nil
}

// RetryDeletes retries the Lease deletions that failed.
func (s *Store) RetryDeletes(ctx context.Context) {
	s.pendingDeletes.Range(func(_, v any) bool {
		_ = s.Delete(ctx, v.(*Session))
		return ctx.Err() == nil
	})
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
			lease, ok := obj.(*coordinationv1.Lease)
			if !ok {
				return
			}
			if h, ok := hashFromLeaseName(lease.Name); ok {
				s.sessions.Delete(h)
			}
		},
	}
}

func (s *Store) upsert(obj any) {
	lease, ok := obj.(*coordinationv1.Lease)
	if !ok || lease.Labels[supportaccessv1alpha1.LabelComponent] != ComponentSession || lease.DeletionTimestamp != nil {
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
	if existing, ok := s.Lookup(h); ok && existing.LeaseUID == lease.UID {
		if lease.Spec.RenewTime != nil {
			existing.observeRemote(lease.Spec.RenewTime.Time)
		}
		return
	}
	s.sessions.Store(h, sessionFromLease(lease, h))
}

// PruneTombstones forgets logged-out hashes older than the tombstone TTL.
func (s *Store) PruneTombstones() {
	s.tombstones.Range(func(k, v any) bool {
		if s.clock.Since(v.(time.Time)) >= tombstoneTTL {
			s.tombstones.Delete(k)
		}
		return true
	})
}

func sessionFromLease(lease *coordinationv1.Lease, h Hash) *Session {
	sess := &Session{
		Hash:      h,
		Namespace: lease.Namespace,
		Grant:     lease.Labels[supportaccessv1alpha1.LabelGrant],
		LeaseUID:  lease.UID,
	}
	if lease.Spec.HolderIdentity != nil {
		sess.Email, _ = identity.EmailFromUsername(*lease.Spec.HolderIdentity)
	}
	if t, err := time.Parse(time.RFC3339, lease.Annotations[annotationIssuedAt]); err == nil {
		sess.CredentialsIssuedAt = t
	}
	sess.seal, sess.hasSeal = parseSeal(lease.Annotations[annotationMAC])
	for _, ref := range lease.OwnerReferences {
		if ref.Kind == "SupportAccessGrant" && ref.Name == sess.Grant {
			sess.GrantUID = ref.UID
		}
	}
	if lease.Spec.AcquireTime != nil {
		sess.CreatedAt = lease.Spec.AcquireTime.Time
	} else {
		sess.CreatedAt = lease.CreationTimestamp.Time
	}
	if lease.Spec.RenewTime != nil {
		sess.observeRemote(lease.Spec.RenewTime.Time)
	} else {
		sess.observeRemote(sess.CreatedAt)
	}
	sess.lastFlush.Store(sess.LastActivity().UnixNano())
	sess.flushedActivity.Store(sess.remoteActivity.Load())
	return sess
}
