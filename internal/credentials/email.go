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
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	"github.com/supportaccess/support-access-operator/internal/keyring"
)

// A login email is the identity kube-apiserver sees (supportaccess:<email>,
// docs/reference.md#login-email), so a tenant must never be able to claim another grant's. Its
// random part is
//
//	<key ID: 2> <nonce: 8> <MAC: 14>
//
// in EmailAlphabet, where MAC = HMAC(operator key, grant UID, nonce, domain) truncated to 70 bits.
// Whoever holds the keyring tells from the email and the grant's UID alone (assigned by
// kube-apiserver) whether the email was issued to that grant: nothing a tenant writes (the grant's
// status, the Secret) is trusted for it. The nonce (40 bits from crypto/rand) makes every issue of
// one grant a new email; the MAC makes an email verify for one grant UID only, so two grants never
// share one (a forgery needs 2^70 online guesses, each a status write).
const (
	// EmailAlphabet is lowercase (emails are case-insensitive in practice) without look-alikes;
	// 32 characters, 5 bits each.
	EmailAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	// EmailPrefix starts every issued login email.
	EmailPrefix = "support-"
	// EmailRandomLength is the length of the part after EmailPrefix.
	EmailRandomLength = emailKeyIDLength + emailNonceLength + emailMACLength

	emailKeyIDLength = 2
	emailNonceLength = 8  // 5 random bytes
	emailMACLength   = 14 // 70 bits of the MAC
	emailNonceBytes  = 5
)

var emailEncoding = base32.NewEncoding(EmailAlphabet).WithPadding(base32.NoPadding)

// LoginEmail returns a new login email for the grant with uid, "support-<random>@<domain>", signed
// with ring's signing key.
func LoginEmail(ring *keyring.Keyring, uid types.UID, domain string) (string, error) {
	if uid == "" {
		return "", fmt.Errorf("login email: the grant has no UID")
	}
	var raw [emailNonceBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	nonce := emailEncoding.EncodeToString(raw[:])
	id := ring.SigningKeyID()
	sum, ok := ring.MAC(id, keyring.PurposeLoginEmail, emailClaims(uid, id, nonce, domain))
	if !ok {
		return "", fmt.Errorf("login email: signing key %d missing", id)
	}
	var b strings.Builder
	b.Grow(len(EmailPrefix) + EmailRandomLength + 1 + len(domain))
	b.WriteString(EmailPrefix)
	b.WriteString(encodeKeyID(id))
	b.WriteString(nonce)
	b.WriteString(emailEncoding.EncodeToString(sum)[:emailMACLength])
	b.WriteByte('@')
	b.WriteString(domain)
	return b.String(), nil
}

// VerifyLoginEmail reports whether email was issued by the operator to the grant with uid, under
// any key ring still holds. It is the only way a login email becomes an identity.
func VerifyLoginEmail(ring *keyring.Keyring, uid types.UID, email string) bool {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || uid == "" || domain == "" {
		return false
	}
	random, ok := strings.CutPrefix(local, EmailPrefix)
	if !ok || len(random) != EmailRandomLength {
		return false
	}
	id, ok := decodeKeyID(random[:emailKeyIDLength])
	if !ok {
		return false
	}
	nonce := random[emailKeyIDLength : emailKeyIDLength+emailNonceLength]
	sum, ok := ring.MAC(id, keyring.PurposeLoginEmail, emailClaims(uid, id, nonce, domain))
	if !ok {
		return false
	}
	want := emailEncoding.EncodeToString(sum)[:emailMACLength]
	return subtle.ConstantTimeCompare([]byte(want), []byte(random[emailKeyIDLength+emailNonceLength:])) == 1
}

// SigningKeyID returns the ID of the key email was issued under, when email verifies for the grant
// with uid: what tells an admin whether a key can be retired (docs/security.md, "Keys").
func SigningKeyID(ring *keyring.Keyring, uid types.UID, email string) (int, bool) {
	if !VerifyLoginEmail(ring, uid, email) {
		return 0, false
	}
	local, _, _ := strings.Cut(email, "@")
	return decodeKeyID(local[len(EmailPrefix) : len(EmailPrefix)+emailKeyIDLength])
}

// emailClaims is what a login email's MAC covers. Fields are NUL-separated: none can hold a NUL.
func emailClaims(uid types.UID, keyID int, nonce, domain string) []byte {
	return []byte(fmt.Sprintf("%s\x00%d\x00%s\x00%s", uid, keyID, nonce, domain))
}

func encodeKeyID(id int) string {
	return string([]byte{EmailAlphabet[id>>5&31], EmailAlphabet[id&31]})
}

func decodeKeyID(s string) (int, bool) {
	hi, lo := strings.IndexByte(EmailAlphabet, s[0]), strings.IndexByte(EmailAlphabet, s[1])
	if hi < 0 || lo < 0 {
		return 0, false
	}
	return hi<<5 | lo, true
}
