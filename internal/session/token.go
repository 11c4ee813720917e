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
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

const (
	// TokenPrefix marks the operator's session tokens, so secret scanners and people recognise them.
	TokenPrefix = "sat_"
	// tokenBytes of crypto/rand: 256 bits, the least allowed
	// (docs/reference.md#when-a-session-is-valid).
	tokenBytes = 32
	// leaseNamePrefix + hex(SHA-256(token)) names a session's Lease: the hash is all that is stored.
	leaseNamePrefix = "session-"
)

// Hash is the SHA-256 of a session token, the only form in which a token is kept.
type Hash [sha256.Size]byte

// NewToken returns a fresh bearer token and its hash.
func NewToken() (string, Hash, error) {
	var raw [tokenBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", Hash{}, fmt.Errorf("read random bytes: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	return token, HashToken(token), nil
}

// HashToken returns the hash a token is stored and looked up under. Tokens of a normal length are
// copied to the stack first: this runs on every token check and must not allocate.
func HashToken(token string) Hash {
	var buf [128]byte
	if len(token) <= len(buf) {
		n := copy(buf[:], token)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(token))
}

// LeaseName returns the name of the Lease holding the session of hash h.
func LeaseName(h Hash) string { return leaseNamePrefix + hex.EncodeToString(h[:]) }

// hashFromLeaseName recovers the hash from a session Lease's name.
func hashFromLeaseName(name string) (Hash, bool) {
	var h Hash
	encoded, ok := strings.CutPrefix(name, leaseNamePrefix)
	if !ok || len(encoded) != hex.EncodedLen(len(h)) {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(encoded)); err != nil {
		return h, false
	}
	return h, true
}
