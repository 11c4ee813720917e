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

package credentials

import (
	"crypto/sha256"
	"crypto/subtle"

	corev1 "k8s.io/api/core/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// PasswordHashKey holds, in the manager's memory only, the SHA-256 of a credentials Secret's
// password. The Secret cache swaps the password for its hash as objects arrive (HidePassword), so
// the plaintext lives no longer than one decode. It is never written to the API, and cannot come
// from it: ':' is not allowed in a Secret's keys, so nobody can plant a hash of their own.
const PasswordHashKey = "password:sha256"

// PasswordHash is the SHA-256 of a password. The password has at least 128 random bits, so a fast
// digest compared in constant time is the right tool: a slow password hash buys nothing here.
type PasswordHash [sha256.Size]byte

// HashPassword returns the SHA-256 of password.
func HashPassword(password []byte) PasswordHash { return sha256.Sum256(password) }

// Matches compares the digest of password with h in constant time.
func (h PasswordHash) Matches(password []byte) bool {
	sum := sha256.Sum256(password)
	return subtle.ConstantTimeCompare(sum[:], h[:]) == 1
}

// HidePassword replaces a credentials Secret's password with its hash under PasswordHashKey. It is
// idempotent: informers may run a transform more than once on one object.
func HidePassword(secret *corev1.Secret) {
	password, ok := secret.Data[supportaccessv1alpha1.SecretKeyPassword]
	if !ok {
		return
	}
	delete(secret.Data, supportaccessv1alpha1.SecretKeyPassword)
	delete(secret.Data, PasswordHashKey)
	if len(password) == 0 {
		return
	}
	sum := HashPassword(password)
	secret.Data[PasswordHashKey] = sum[:]
	// Best effort: the decoded bytes are garbage now; clear them so a heap dump finds less.
	clear(password)
}

// StoredPasswordHash returns the password hash of a Secret as HidePassword left it.
func StoredPasswordHash(secret *corev1.Secret) (PasswordHash, bool) {
	var h PasswordHash
	stored := secret.Data[PasswordHashKey]
	if len(stored) != len(h) {
		return h, false
	}
	copy(h[:], stored)
	return h, true
}

// HasPassword reports whether secret holds a password, in plaintext or (from the cache) hashed.
func HasPassword(secret *corev1.Secret) bool {
	return len(secret.Data[supportaccessv1alpha1.SecretKeyPassword]) > 0 || len(secret.Data[PasswordHashKey]) > 0
}
