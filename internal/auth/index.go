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
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/expiry"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// grantState is an immutable snapshot of what the auth service needs from a grant. A new snapshot
// replaces the old one on every watch event, so readers never see a half-updated grant.
type grantState struct {
	Namespace   string
	Name        string
	UID         types.UID
	AccessLevel supportaccessv1alpha1.AccessLevel
	// LoginEmail is status.loginEmail only when the operator issued it to this grant (its MAC
	// verifies for the grant's UID, credentials/email.go), else empty: a tenant can write the
	// status, and an email it copies from another grant is no identity here.
	LoginEmail string
	Phase      supportaccessv1alpha1.GrantPhase
	Revoked    bool
	Deleting   bool
	IssuedAt   time.Time
	// SecretName is the credentials Secret the controller issued (status.secretName).
	SecretName string
	// WindowEnd is computed from the spec, so a renewal or a shortened duration counts at once,
	// and expiry is decided at the moment of each check, not when the controller gets round to it.
	WindowEnd   time.Time
	WindowStart time.Time
	// grant is kept for the writes of the login path (the session Lease's owner, events). It is
	// the informer's own object, not a copy.
	grant *supportaccessv1alpha1.SupportAccessGrant
	// reviewStatus is this grant's TokenReview answer for a valid token, encoded on the first
	// check after each watch event instead of on every request (/tokenreview is the hot path, the
	// grant changes rarely), and only for grants in use: most grants have no session.
	reviewStatus atomic.Pointer[[]byte]
	// identity is this grant's forward-auth headers, built like reviewStatus.
	identity atomic.Pointer[identityHeaders]
}

// usable reports whether credentials and sessions of this grant may be used at now.
func (g *grantState) usable(now time.Time) bool {
	return g.Phase == supportaccessv1alpha1.GrantPhaseActive && !g.Revoked && !g.Deleting &&
		now.Before(g.WindowEnd) && !g.WindowStart.After(now.Add(expiry.MaxRenewalLead))
}

// index mirrors grants, credential hashes and policies from the manager's informers into maps
// shaped for the hot path. Writers are watch events; readers never block on them.
type index struct {
	// limits hold the operator-wide grant cap (a change re-takes every snapshot, see Setup).
	limits *limits.Limits
	// ring verifies login emails.
	ring *keyring.Keyring

	grants    sync.Map // types.NamespacedName -> *grantState
	byEmail   sync.Map // login email -> types.NamespacedName
	passwords sync.Map // types.NamespacedName of the Secret -> secretHash
	policies  sync.Map // namespace -> policy.Settings

	// policyMu serialises the recomputation of one namespace's settings with the grant snapshots
	// that read them (the account's maxGrantDuration caps their window).
	policyMu sync.Mutex
	// listPolicies reads a namespace's policies from the cache (set by Setup).
	listPolicies func(namespace string) ([]supportaccessv1alpha1.AccountSessionPolicy, error)
}

func (ix *index) grant(key types.NamespacedName) (*grantState, bool) {
	v, ok := ix.grants.Load(key)
	if !ok {
		return nil, false
	}
	return v.(*grantState), true
}

// grantByEmail returns the grant a login email was issued to. Only verified emails are indexed,
// and an email verifies for one grant UID only, so no other grant can claim or shadow it.
func (ix *index) grantByEmail(email string) (*grantState, bool) {
	key, ok := ix.byEmail.Load(email)
	if !ok {
		return nil, false
	}
	g, ok := ix.grant(key.(types.NamespacedName))
	if !ok || g.LoginEmail != email {
		return nil, false
	}
	return g, true
}

// secretHash is a credentials Secret's password hash and the grant that controls the Secret.
type secretHash struct {
	owner types.UID
	hash  credentials.PasswordHash
}

// passwordHash returns the password hash of g's credentials: only from the Secret the controller
// issued for g (status.secretName) and only while g itself controls it. Any other Secret claiming
// to belong to g, whoever wrote it, is ignored.
func (ix *index) passwordHash(g *grantState) (credentials.PasswordHash, bool) {
	if g.SecretName == "" {
		return credentials.PasswordHash{}, false
	}
	v, ok := ix.passwords.Load(types.NamespacedName{Namespace: g.Namespace, Name: g.SecretName})
	if !ok {
		return credentials.PasswordHash{}, false
	}
	sh := v.(secretHash)
	if sh.owner != g.UID {
		return credentials.PasswordHash{}, false
	}
	return sh.hash, true
}

// settings returns the session settings in force for an account.
func (ix *index) settings(namespace string) policy.Settings {
	if v, ok := ix.policies.Load(namespace); ok {
		return v.(policy.Settings)
	}
	return policy.Defaults()
}

func (ix *index) grantHandler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { ix.upsertGrant(obj) },
		UpdateFunc: func(_, obj any) { ix.upsertGrant(obj) },
		DeleteFunc: func(obj any) {
			g, ok := unwrap[*supportaccessv1alpha1.SupportAccessGrant](obj)
			if !ok {
				return
			}
			key := types.NamespacedName{Namespace: g.Namespace, Name: g.Name}
			// Under policyMu, so that a policy change re-snapshotting the namespace cannot bring
			// a deleted grant back.
			ix.policyMu.Lock()
			defer ix.policyMu.Unlock()
			if old, ok := ix.grant(key); ok {
				ix.byEmail.CompareAndDelete(old.LoginEmail, key)
			}
			ix.grants.Delete(key)
		},
	}
}

func (ix *index) upsertGrant(obj any) {
	g, ok := obj.(*supportaccessv1alpha1.SupportAccessGrant)
	if !ok {
		return
	}
	ix.policyMu.Lock()
	defer ix.policyMu.Unlock()
	ix.storeGrant(g, ix.settings(g.Namespace))
}

// storeGrant replaces g's snapshot. Callers hold policyMu.
func (ix *index) storeGrant(g *supportaccessv1alpha1.SupportAccessGrant, settings policy.Settings) {
	key := types.NamespacedName{Namespace: g.Namespace, Name: g.Name}
	// The same cap as the controller's and the webhook's (policy.GrantCap), so a grant admitted
	// while the webhook was down ends at the same moment everywhere.
	limit, _ := policy.GrantCap(settings, ix.limits.MaxGrantDuration())
	state := newGrantState(g, ix.ring, limit)
	if old, ok := ix.grant(key); ok && old.LoginEmail != state.LoginEmail && old.LoginEmail != "" {
		ix.byEmail.CompareAndDelete(old.LoginEmail, key)
	}
	if state.LoginEmail != "" {
		ix.byEmail.Store(state.LoginEmail, key)
	}
	ix.grants.Store(key, state)
}

// reverifyAll takes every grant's snapshot again. It runs when the keyring changes, so that a login
// email whose key was removed stops verifying, and one whose key was just learnt starts, without
// waiting for an event about the grant.
func (ix *index) reverifyAll() {
	ix.policyMu.Lock()
	defer ix.policyMu.Unlock()
	ix.grants.Range(func(_, v any) bool {
		g := v.(*grantState)
		ix.storeGrant(g.grant, ix.settings(g.Namespace))
		return true
	})
}

// newGrantState takes the snapshot of g the hot path reads, its window capped at maxDuration.
func newGrantState(g *supportaccessv1alpha1.SupportAccessGrant, ring *keyring.Keyring, maxDuration time.Duration) *grantState {
	window := expiry.Of(g, maxDuration)
	state := &grantState{
		Namespace:   g.Namespace,
		Name:        g.Name,
		UID:         g.UID,
		AccessLevel: g.Spec.AccessLevel,
		Phase:       g.Status.Phase,
		Revoked:     g.Spec.Revoked,
		Deleting:    g.DeletionTimestamp != nil,
		WindowEnd:   window.End,
		WindowStart: window.Start,
		SecretName:  g.Status.SecretName,
		grant:       g,
	}
	if credentials.VerifyLoginEmail(ring, g.UID, g.Status.LoginEmail) {
		state.LoginEmail = g.Status.LoginEmail
	}
	if g.Status.IssuedAt != nil {
		state.IssuedAt = g.Status.IssuedAt.Time
	}
	return state
}

// tokenReviewStatus returns g's encoded TokenReview status for a valid token. Two first checks
// racing each other both encode it; either result is the same.
func (g *grantState) tokenReviewStatus() []byte {
	if p := g.reviewStatus.Load(); p != nil {
		return *p
	}
	status := encodeReviewStatus(g)
	g.reviewStatus.Store(&status)
	return status
}

// forwardHeaders returns g's identity headers for an allowed forward-auth request.
func (g *grantState) forwardHeaders() *identityHeaders {
	if p := g.identity.Load(); p != nil {
		return p
	}
	h := newIdentityHeaders(g)
	g.identity.Store(h)
	return h
}

func (ix *index) secretHandler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { ix.upsertSecret(obj) },
		UpdateFunc: func(_, obj any) { ix.upsertSecret(obj) },
		DeleteFunc: func(obj any) {
			s, ok := unwrap[*corev1.Secret](obj)
			if !ok {
				return
			}
			ix.passwords.Delete(types.NamespacedName{Namespace: s.Namespace, Name: s.Name})
		},
	}
}

func (ix *index) upsertSecret(obj any) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	key := types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
	owner, ok := grantOfSecret(s)
	h, hashed := credentials.StoredPasswordHash(s)
	if !ok || !hashed {
		ix.passwords.Delete(key)
		return
	}
	ix.passwords.Store(key, secretHash{owner: owner, hash: h})
}

// grantOfSecret returns the UID of the grant controlling a credentials Secret. passwordHash then
// also requires the Secret to be the one the grant's status names.
func grantOfSecret(s *corev1.Secret) (types.UID, bool) {
	if string(s.Type) != supportaccessv1alpha1.SecretTypeCredentials {
		return "", false
	}
	for _, ref := range s.OwnerReferences {
		if ref.Controller != nil && *ref.Controller && ref.Kind == "SupportAccessGrant" &&
			ref.APIVersion == supportaccessv1alpha1.GroupVersion.String() {
			return ref.UID, true
		}
	}
	return "", false
}

func (ix *index) policyHandler() toolscache.ResourceEventHandler {
	recompute := func(obj any) {
		p, ok := unwrap[*supportaccessv1alpha1.AccountSessionPolicy](obj)
		if ok {
			ix.recomputePolicy(p.Namespace)
		}
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    recompute,
		UpdateFunc: func(_, obj any) { recompute(obj) },
		DeleteFunc: recompute,
	}
}

// recomputePolicy rebuilds one account's settings from all its policies (the oldest wins), and
// the snapshots of its grants when the grant cap changed.
func (ix *index) recomputePolicy(namespace string) {
	ix.policyMu.Lock()
	defer ix.policyMu.Unlock()
	policies, err := ix.listPolicies(namespace)
	if err != nil {
		// Keep the last known settings; the next event retries.
		return
	}
	before := ix.settings(namespace)
	after := policy.Effective(policies)
	if len(policies) == 0 {
		ix.policies.Delete(namespace)
	} else {
		ix.policies.Store(namespace, after)
	}
	operatorCap := ix.limits.MaxGrantDuration()
	capBefore, _ := policy.GrantCap(before, operatorCap)
	capAfter, _ := policy.GrantCap(after, operatorCap)
	if capBefore == capAfter {
		return
	}
	// Policies change rarely; a walk over every grant then is cheaper than an index kept always.
	ix.grants.Range(func(_, v any) bool {
		if g := v.(*grantState); g.Namespace == namespace {
			ix.storeGrant(g.grant, after)
		}
		return true
	})
}

// unwrap returns obj as T, looking inside the tombstones informers deliver for missed deletes.
func unwrap[T any](obj any) (T, bool) {
	if tombstone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	t, ok := obj.(T)
	return t, ok
}
