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
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/keyring"
)

// A tenant can create, edit and re-create Leases in its namespace (docs/reference.md#tenant-model),
// so a session Lease is believed only as far as the operator's own MACs vouch for it, under the
// keyring only the manager holds:
//   - the session seal covers who and when: namespace, name and UID of the Lease, grant and its
//     UID, login email, credentials generation and login time. The Lease's UID is assigned by
//     kube-apiserver, so the seal is added right after the Lease is created, and a Lease deleted
//     (logout, "kill session") and re-created from a copy never verifies again;
//   - the activity seal covers renewTime, so an idle timeout cannot be dodged by editing it.
//   - a browser session's seal covers its kind too (annotationKind), so neither way of editing the
//     annotation turns a login page's cookie into an API credential, or back
//     (docs/reference.md#browser-sessions).
//
// A Lease whose seal does not verify is no session and shadows none; an edit whose activity seal
// does not verify changes nothing.
const (
	annotationSessionSeal  = "supportaccess.io/session-seal"
	annotationActivitySeal = "supportaccess.io/activity-seal"
	// annotationKind is "browser" on a session made by the login page; absent on an API session.
	annotationKind   = supportaccessv1alpha1.AnnotationSessionKind
	kindBrowserValue = supportaccessv1alpha1.SessionKindBrowser
)

// sessionClaims is the canonical text a session seal covers; newline-separated, as no field can
// hold a newline (names, UIDs, emails and RFC 3339 times). An API session's claims are those of
// the releases before browser sessions existed, so their seals still verify after an upgrade.
func sessionClaims(namespace, leaseName string, leaseUID types.UID, grant string, grantUID types.UID, email string, issuedAt, acquired time.Time, kind Kind) []byte {
	fields := []string{
		namespace, leaseName, string(leaseUID), grant, string(grantUID), email,
		issuedAt.UTC().Format(time.RFC3339), acquired.UTC().Format(time.RFC3339Nano),
	}
	if kind == KindBrowser {
		fields = append(fields, kindBrowserValue)
	}
	return []byte(strings.Join(fields, "\n"))
}

// activityClaims is what an activity seal covers.
func activityClaims(namespace, leaseName string, leaseUID types.UID, renewed time.Time) []byte {
	return []byte(strings.Join([]string{
		"activity", namespace, leaseName, string(leaseUID), renewed.UTC().Format(time.RFC3339Nano),
	}, "\n"))
}

// formatSeal writes a seal as "<key ID>.<hex MAC>".
func formatSeal(keyID int, sum []byte) string {
	return strconv.Itoa(keyID) + "." + hex.EncodeToString(sum)
}

// verifySeal checks a "<key ID>.<hex MAC>" annotation over msg.
func verifySeal(ring *keyring.Keyring, value string, msg []byte) bool {
	idText, sumText, ok := strings.Cut(value, ".")
	if !ok || len(sumText) != 64 {
		return false
	}
	id, err := strconv.Atoi(idText)
	if err != nil {
		return false
	}
	sum, err := hex.DecodeString(sumText)
	if err != nil {
		return false
	}
	return ring.Verify(id, keyring.PurposeSession, msg, sum)
}

func sign(ring *keyring.Keyring, msg []byte) string {
	id, sum := ring.Sign(keyring.PurposeSession, msg)
	return formatSeal(id, sum)
}

// NewSealed returns a token and its session without writing a Lease: for benchmarks and tests of
// the token check, which must see exactly what a login produces.
func NewSealed(namespace, grant string, grantUID types.UID, email string, issuedAt, created time.Time, kind Kind) (string, *Session, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", nil, err
	}
	s := &Session{Hash: hash, Namespace: namespace, Grant: grant, GrantUID: grantUID, Email: email,
		CredentialsIssuedAt: issuedAt.Truncate(time.Second), CreatedAt: created.Truncate(time.Microsecond),
		LeaseUID: types.UID("lease-of-" + grant), Kind: kind}
	s.Touch(created)
	return token, s, nil
}
