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

// Package keyring holds the operator's own secret keys: versioned HMAC keys that only the manager
// can read (one Secret in the operator's namespace, see secret.go). They make what the operator
// hands out verifiable without trusting anything a tenant can write
// (docs/reference.md#tenant-model): the login email of a grant is a MAC of the grant's UID, and a
// session Lease carries a MAC of what it claims.
//
// Keys rotate with an overlap: a new key is first only verified with, and signs once every replica
// has had time to learn it (Promotion); old keys keep verifying until an admin removes them.
package keyring

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// KeySize is the size of a key's secret, in bytes.
	KeySize = 32
	// MaxKeyID bounds key IDs so that a login email can carry one in two characters.
	MaxKeyID = 1023
)

// Purpose separates what a key signs: each purpose MACs with its own key derived from the secret,
// so a MAC made for one can never be replayed as another.
type Purpose string

const (
	PurposeLoginEmail Purpose = "supportaccess.io/login-email/v1"
	PurposeSession    Purpose = "supportaccess.io/session/v1"
)

// Key is one version of the operator's key.
type Key struct {
	ID     int
	secret []byte
}

// NewKey returns the key id with the given secret (at least KeySize bytes).
func NewKey(id int, secret []byte) (Key, error) {
	if id < 1 || id > MaxKeyID {
		return Key{}, fmt.Errorf("key ID %d: must be 1 to %d", id, MaxKeyID)
	}
	if len(secret) < KeySize {
		return Key{}, fmt.Errorf("key %d: %d bytes, want at least %d", id, len(secret), KeySize)
	}
	return Key{ID: id, secret: append([]byte(nil), secret...)}, nil
}

// derived returns the key used for one purpose: HMAC-SHA256(secret, purpose).
func (k Key) derived(p Purpose) []byte {
	mac := hmac.New(sha256.New, k.secret)
	mac.Write([]byte(p))
	return mac.Sum(nil)
}

// set is one immutable view of the keys: readers load it atomically and never lock.
type set struct {
	keys    []Key
	signing int
	// macKeys holds the derived key of each purpose, by key ID.
	macKeys map[int]map[Purpose][]byte
}

// Keyring is the set of keys in force, replaced as a whole on rotation.
type Keyring struct {
	current atomic.Pointer[set]

	// mu serialises Update; firstSeen records when this replica first saw each key ID.
	mu        sync.Mutex
	firstSeen map[int]time.Time
	// onChange are called after an Update that changed which keys verify.
	onChange []func()
}

// OnChange registers f to be called after an Update changes the keys that verify, so that what
// was verified once (a grant's login email) is judged again. Register before the keyring is
// shared; f runs on the updating goroutine, outside the keyring's lock.
func (k *Keyring) OnChange(f func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.onChange = append(k.onChange, f)
}

// Promotion is how long a replica waits after first seeing a new key before it signs with it: more
// than twice the refresh interval (RefreshInterval), so every other replica verifies with the key
// before anything signed with it reaches them.
const Promotion = 3 * RefreshInterval

// New returns a keyring holding keys; the highest ID signs at once. For a manager's first load and
// for tests: Update handles later changes.
func New(keys ...Key) (*Keyring, error) {
	k := &Keyring{firstSeen: map[int]time.Time{}}
	if err := k.update(keys, time.Time{}, true); err != nil {
		return nil, err
	}
	return k, nil
}

// Update replaces the keys with keys, as read at now. A key not seen before verifies at once but
// signs only after Promotion; until then the newest older key keeps signing.
func (k *Keyring) Update(keys []Key, now time.Time) error {
	return k.update(keys, now, false)
}

func (k *Keyring) update(keys []Key, now time.Time, initial bool) error {
	if len(keys) == 0 {
		return fmt.Errorf("no keys")
	}
	k.mu.Lock()
	changed, err := k.updateLocked(keys, now, initial)
	subscribers := k.onChange
	k.mu.Unlock()
	if err != nil || !changed {
		return err
	}
	for _, f := range subscribers {
		f()
	}
	return nil
}

// updateLocked replaces the set and reports whether the keys that verify changed.
func (k *Keyring) updateLocked(keys []Key, now time.Time, initial bool) (bool, error) {
	s := &set{keys: append([]Key(nil), keys...), macKeys: make(map[int]map[Purpose][]byte, len(keys))}
	ids := make([]int, 0, len(keys))
	held := map[int][]byte{}
	if previous := k.current.Load(); previous != nil {
		for _, key := range previous.keys {
			held[key.ID] = key.secret
		}
	}
	for _, key := range keys {
		if _, dup := s.macKeys[key.ID]; dup {
			return false, fmt.Errorf("key ID %d appears twice", key.ID)
		}
		// New bytes under a known ID would break every MAC made with that key, at once and
		// everywhere: a rotation takes a new ID.
		if secret, ok := held[key.ID]; ok && !hmac.Equal(secret, key.secret) {
			return false, fmt.Errorf("key %d changed; add a key with a new ID instead", key.ID)
		}
		s.macKeys[key.ID] = map[Purpose][]byte{
			PurposeLoginEmail: key.derived(PurposeLoginEmail),
			PurposeSession:    key.derived(PurposeSession),
		}
		ids = append(ids, key.ID)
		if _, seen := k.firstSeen[key.ID]; !seen {
			k.firstSeen[key.ID] = now
		}
	}
	for id := range k.firstSeen {
		if _, ok := s.macKeys[id]; !ok {
			delete(k.firstSeen, id)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ids)))
	s.signing = ids[len(ids)-1]
	for _, id := range ids {
		if initial || now.Sub(k.firstSeen[id]) >= Promotion {
			s.signing = id
			break
		}
	}
	previous := k.current.Load()
	k.current.Store(s)
	return previous == nil || !sameKeys(previous.keys, s.keys), nil
}

// sameKeys reports whether a and b hold the same keys (IDs and secrets), in any order.
func sameKeys(a, b []Key) bool {
	if len(a) != len(b) {
		return false
	}
	byID := make(map[int][]byte, len(a))
	for _, k := range a {
		byID[k.ID] = k.secret
	}
	for _, k := range b {
		if secret, ok := byID[k.ID]; !ok || !hmac.Equal(secret, k.secret) {
			return false
		}
	}
	return true
}

// keys returns the keys held, for putting them back into a deleted Secret.
func (k *Keyring) keys() []Key { return k.current.Load().keys }

// SigningKeyID returns the ID of the key new MACs are made with.
func (k *Keyring) SigningKeyID() int { return k.current.Load().signing }

// KeyIDs returns the IDs of every key that verifies, highest first.
func (k *Keyring) KeyIDs() []int {
	s := k.current.Load()
	ids := make([]int, 0, len(s.macKeys))
	for id := range s.macKeys {
		ids = append(ids, id)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ids)))
	return ids
}

// Sign returns the MAC of msg for purpose under the signing key, and that key's ID.
func (k *Keyring) Sign(p Purpose, msg []byte) (int, []byte) {
	s := k.current.Load()
	return s.signing, mac(s.macKeys[s.signing][p], msg)
}

// MAC returns the MAC of msg for purpose under key id, or false when no such key is held.
func (k *Keyring) MAC(id int, p Purpose, msg []byte) ([]byte, bool) {
	keys, ok := k.current.Load().macKeys[id]
	if !ok {
		return nil, false
	}
	return mac(keys[p], msg), true
}

// Verify reports, in constant time, whether sum is msg's whole MAC for purpose under key id.
func (k *Keyring) Verify(id int, p Purpose, msg, sum []byte) bool {
	want, ok := k.MAC(id, p, msg)
	return ok && hmac.Equal(want, sum)
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}
