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
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/supportaccess/support-access-operator/internal/keyring"
)

func testRing(t testing.TB, ids ...int) *keyring.Keyring {
	t.Helper()
	var keys []keyring.Key
	for _, id := range ids {
		k, err := keyring.GenerateKey(id)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	ring, err := keyring.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func TestLoginEmailShape(t *testing.T) {
	ring := testRing(t, 1)
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 5000 {
		email, err := LoginEmail(ring, "uid-a", "support.example")
		if err != nil {
			t.Fatal(err)
		}
		local, domain, ok := strings.Cut(email, "@")
		if !ok || domain != "support.example" {
			t.Fatalf("email %q: want domain support.example", email)
		}
		random, ok := strings.CutPrefix(local, EmailPrefix)
		if !ok || len(random) != EmailRandomLength || len(local) > 64 {
			t.Fatalf("email %q: want %s<%d characters>, local part at most 64", email, EmailPrefix, EmailRandomLength)
		}
		if i := strings.IndexFunc(random, func(r rune) bool { return !strings.ContainsRune(EmailAlphabet, r) }); i >= 0 {
			t.Fatalf("email %q holds %q outside the alphabet", email, random[i])
		}
		if seen[email] {
			t.Fatalf("duplicate email after %d draws", len(seen))
		}
		seen[email] = true
		for _, r := range random[emailKeyIDLength:] {
			counts[r]++
		}
	}
	for _, r := range EmailAlphabet {
		if counts[r] == 0 {
			t.Errorf("character %q never drawn", r)
		}
	}
}

// A tenant's attacks on identity (docs/reference.md#tenant-model): whatever a tenant writes as a
// grant's login email, it verifies only if the operator issued it to that very grant.
func TestLoginEmailVerifiesOnlyForItsGrant(t *testing.T) {
	ring := testRing(t, 1)
	const uidA, uidB = types.UID("5f0c-a"), types.UID("5f0c-b")
	emailB, err := LoginEmail(ring, uidB, "support.example")
	if err != nil {
		t.Fatal(err)
	}
	local, _, _ := strings.Cut(emailB, "@")
	flip := func(s string, i int) string {
		c := byte('a')
		if s[i] == 'a' {
			c = 'b'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	otherRing := testRing(t, 1)
	tests := []struct {
		name  string
		ring  *keyring.Keyring
		uid   types.UID
		email string
		want  bool
	}{
		{"issued to the grant", ring, uidB, emailB, true},
		{"another grant's email claimed by a tenant", ring, uidA, emailB, false},
		{"no UID", ring, "", emailB, false},
		{"another operator's key", otherRing, uidB, emailB, false},
		{"another domain", ring, uidB, local + "@support.other", false},
		{"MAC changed", ring, uidB, flip(emailB, len(local)-1) + "", false},
		{"nonce changed", ring, uidB, flip(emailB, len(EmailPrefix)+emailKeyIDLength), false},
		{"key ID changed", ring, uidB, flip(emailB, len(EmailPrefix)+1), false},
		{"upper case", ring, uidB, strings.ToUpper(emailB), false},
		{"truncated", ring, uidB, local[:len(local)-1] + "@support.example", false},
		{"an email of before this change (12 random characters)", ring, uidB, "support-abcdefghijkm@support.example", false},
		{"no domain", ring, uidB, local, false},
		{"empty", ring, uidB, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyLoginEmail(tt.ring, tt.uid, tt.email); got != tt.want {
				t.Fatalf("VerifyLoginEmail(%q, %q) = %v, want %v", tt.uid, tt.email, got, tt.want)
			}
		})
	}
}

// Rotation never ends credentials already handed out: an email issued under key 1 verifies as
// long as key 1 is held, while new emails are signed with key 2 once it is promoted.
func TestLoginEmailAcrossRotation(t *testing.T) {
	k1, _ := keyring.GenerateKey(1)
	k2, _ := keyring.GenerateKey(2)
	ring, err := keyring.New(k1)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := LoginEmail(ring, "uid", "support.example")
	now := time.Now()
	if err := ring.Update([]keyring.Key{k1, k2}, now); err != nil {
		t.Fatal(err)
	}
	if ring.SigningKeyID() != 1 {
		t.Fatalf("a key just added signs at once: %d", ring.SigningKeyID())
	}
	if err := ring.Update([]keyring.Key{k1, k2}, now.Add(keyring.Promotion)); err != nil {
		t.Fatal(err)
	}
	if ring.SigningKeyID() != 2 {
		t.Fatalf("signing key %d after the promotion delay, want 2", ring.SigningKeyID())
	}
	fresh, _ := LoginEmail(ring, "uid", "support.example")
	if !VerifyLoginEmail(ring, "uid", old) || !VerifyLoginEmail(ring, "uid", fresh) {
		t.Fatal("an email of the old or the new key does not verify during the overlap")
	}
	if err := ring.Update([]keyring.Key{k2}, now.Add(2*keyring.Promotion)); err != nil {
		t.Fatal(err)
	}
	if VerifyLoginEmail(ring, "uid", old) || !VerifyLoginEmail(ring, "uid", fresh) {
		t.Fatal("after key 1 is removed, only key 2's emails verify")
	}
}

func BenchmarkLoginEmail(b *testing.B) {
	ring := testRing(b, 1)
	email, _ := LoginEmail(ring, "uid", "support.invalid")
	b.Run("issue", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := LoginEmail(ring, "uid", "support.invalid"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !VerifyLoginEmail(ring, "uid", email) {
				b.Fatal("does not verify")
			}
		}
	})
}
