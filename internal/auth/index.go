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
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/expiry"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// grantState is an immutable snapshot of what the auth service needs from a grant. A new snapshot
// replaces the old one on every watch event, so readers never see a half-updated grant.
type grantState struct {
	Namespace   string
	Name        string
	UID         types.UID
	AccessLevel supportaccessv1alpha1.AccessLevel
	LoginEmail  string
	Phase       supportaccessv1alpha1.GrantPhase
	Revoked     bool
	Deleting    bool
	IssuedAt    time.Time
	// WindowEnd is computed from the spec, so a renewal or a shortened duration counts at once,
	// and expiry is decided at the moment of each check, not when the controller gets round to it.
	WindowEnd time.Time
	// grant is kept for the writes of the login path (the session Lease's owner, events).
	grant *supportaccessv1alpha1.SupportAccessGrant
}

// usable reports whether credentials and sessions of this grant may be used at now.
func (g *grantState) usable(now time.Time) bool {
	return g.Phase == supportaccessv1alpha1.GrantPhaseActive && !g.Revoked && !g.Deleting && now.Before(g.WindowEnd)
}

// index mirrors grants, credential hashes and policies from the manager's informers into maps
// shaped for the hot path. Writers are watch events; readers never block on them.
type index struct {
	maxGrantDuration time.Duration

	grants    sync.Map // types.NamespacedName -> *grantState
	byEmail   sync.Map // login email -> types.NamespacedName
	passwords sync.Map // types.NamespacedName of the grant -> credentials.PasswordHash
	policies  sync.Map // namespace -> policy.Settings

	// policyMu serialises the recomputation of one namespace's settings from the cache.
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

func (ix *index) passwordHash(key types.NamespacedName) (credentials.PasswordHash, bool) {
	v, ok := ix.passwords.Load(key)
	if !ok {
		return credentials.PasswordHash{}, false
	}
	return v.(credentials.PasswordHash), true
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
	key := types.NamespacedName{Namespace: g.Namespace, Name: g.Name}
	state := &grantState{
		Namespace:   g.Namespace,
		Name:        g.Name,
		UID:         g.UID,
		AccessLevel: g.Spec.AccessLevel,
		LoginEmail:  g.Status.LoginEmail,
		Phase:       g.Status.Phase,
		Revoked:     g.Spec.Revoked,
		Deleting:    g.DeletionTimestamp != nil,
		WindowEnd:   expiry.Of(g, ix.maxGrantDuration).End,
		grant:       g,
	}
	if g.Status.IssuedAt != nil {
		state.IssuedAt = g.Status.IssuedAt.Time
	}
	if old, ok := ix.grant(key); ok && old.LoginEmail != state.LoginEmail {
		ix.byEmail.CompareAndDelete(old.LoginEmail, key)
	}
	ix.grants.Store(key, state)
	if state.LoginEmail != "" {
		ix.byEmail.Store(state.LoginEmail, key)
	}
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
			if key, ok := grantOfSecret(s); ok {
				ix.passwords.Delete(key)
			}
		},
	}
}

func (ix *index) upsertSecret(obj any) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	key, ok := grantOfSecret(s)
	if !ok {
		return
	}
	if h, ok := credentials.StoredPasswordHash(s); ok {
		ix.passwords.Store(key, h)
	} else {
		ix.passwords.Delete(key)
	}
}

// grantOfSecret returns the grant a credentials Secret belongs to: its controller owner, which a
// user cannot fake without also being able to write the grant's namespace anyway.
func grantOfSecret(s *corev1.Secret) (types.NamespacedName, bool) {
	if string(s.Type) != supportaccessv1alpha1.SecretTypeCredentials {
		return types.NamespacedName{}, false
	}
	for _, ref := range s.OwnerReferences {
		if ref.Controller != nil && *ref.Controller && ref.Kind == "SupportAccessGrant" &&
			ref.APIVersion == supportaccessv1alpha1.GroupVersion.String() {
			return types.NamespacedName{Namespace: s.Namespace, Name: ref.Name}, true
		}
	}
	return types.NamespacedName{}, false
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

// recomputePolicy rebuilds one account's settings from all its policies (the oldest wins).
func (ix *index) recomputePolicy(namespace string) {
	ix.policyMu.Lock()
	defer ix.policyMu.Unlock()
	policies, err := ix.listPolicies(namespace)
	if err != nil {
		// Keep the last known settings; the next event retries.
		return
	}
	if len(policies) == 0 {
		ix.policies.Delete(namespace)
		return
	}
	ix.policies.Store(namespace, policy.Effective(policies))
}

// unwrap returns obj as T, looking inside the tombstones informers deliver for missed deletes.
func unwrap[T any](obj any) (T, bool) {
	if tombstone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	t, ok := obj.(T)
	return t, ok
}
