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
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// annotationMAC holds the session's seal: an HMAC-SHA256, keyed with the SHA-256 of the grant's
// password, over what the Lease claims. Anyone may be able to create Leases in an account
// namespace; only someone who knows the password (and so could log in anyway) can seal one, so a
// forged Lease never turns into a valid session.
const annotationMAC = "supportaccess.io/session-mac"

// Seal is the session's MAC.
type Seal [sha256.Size]byte

// claims is the canonical text a seal covers.
func claims(namespace, leaseName, grant string, grantUID types.UID, email string, issuedAt, acquired time.Time) []byte {
	return []byte(strings.Join([]string{
		namespace, leaseName, grant, string(grantUID), email,
		issuedAt.UTC().Format(time.RFC3339), acquired.UTC().Format(time.RFC3339Nano),
	}, "\n"))
}

// seal computes the seal of a session with key, the SHA-256 of the grant's password.
func seal(key []byte, msg []byte) Seal {
	mac := hmac.New(sha256.New, key)
	mac.Write(msg)
	var s Seal
	copy(s[:], mac.Sum(nil))
	return s
}

func (s Seal) String() string { return hex.EncodeToString(s[:]) }

func parseSeal(v string) (Seal, bool) {
	var s Seal
	if len(v) != hex.EncodedLen(len(s)) {
		return s, false
	}
	_, err := hex.Decode(s[:], []byte(v))
	return s, err == nil
}

// Verify reports whether the session's seal was made with key (the SHA-256 of the grant's current
// password). The result is remembered per key, so the token-check hot path pays for the HMAC once
// per session and credentials generation, not per request.
func (s *Session) Verify(key [sha256.Size]byte) bool {
	if v := s.verifiedFor.Load(); v != nil && *v == key {
		return true
	}
	if !s.hasSeal {
		return false
	}
	verified := key // copies, so that key itself stays on the caller's stack on the fast path
	want := seal(verified[:], claims(s.Namespace, LeaseName(s.Hash), s.Grant, s.GrantUID, s.Email, s.CredentialsIssuedAt, s.CreatedAt))
	if !hmac.Equal(want[:], s.seal[:]) {
		return false
	}
	s.verifiedFor.Store(&verified)
	return true
}

// NewSealed returns a token and its sealed session without writing a Lease: for benchmarks and tests
// of the token check, which must see exactly what a login produces.
func NewSealed(namespace, grant string, grantUID types.UID, email string, issuedAt, created time.Time, key [sha256.Size]byte) (string, *Session, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", nil, err
	}
	created = created.Truncate(time.Microsecond)
	issuedAt = issuedAt.Truncate(time.Second)
	s := &Session{Hash: hash, Namespace: namespace, Grant: grant, GrantUID: grantUID, Email: email,
		CredentialsIssuedAt: issuedAt, CreatedAt: created, hasSeal: true}
	s.seal = seal(key[:], claims(namespace, LeaseName(hash), grant, grantUID, email, issuedAt, created))
	s.Touch(created)
	return token, s, nil
}
