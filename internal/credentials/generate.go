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

// Package credentials generates the temporary login emails and passwords handed to support staff.
// Everything random comes from crypto/rand; login emails are also bound to their grant (email.go).
package credentials

import (
	"crypto/rand"
	"fmt"
)

const (
	// PasswordAlphabet is printable and free of look-alike characters (0 O 1 l I), so a password
	// survives being read aloud or copied by hand.
	PasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	// PasswordLength gives 26·log2(57) ≈ 151 bits, above the 128 bits required
	// (docs/reference.md#credentials-secret).
	PasswordLength = 26
)

// Password returns a new random password of PasswordLength characters from PasswordAlphabet.
func Password() (string, error) {
	return randomString(PasswordAlphabet, PasswordLength)
}

// randomString draws n characters uniformly from alphabet (at most 256 characters) by rejection
// sampling: a random byte below the largest multiple of len(alphabet) that fits in a byte picks
// byte % len(alphabet), any other byte is thrown away, so there is no modulo bias. One read of
// crypto/rand usually covers the whole string.
func randomString(alphabet string, n int) (string, error) {
	size := len(alphabet)
	if size == 0 || size > 256 {
		panic(fmt.Sprintf("credentials: alphabet of %d characters; want 1 to 256", size))
	}
	limit := 256 - 256%size
	out := make([]byte, 0, n)
	var pool [64]byte
	for len(out) < n {
		if _, err := rand.Read(pool[:]); err != nil {
			return "", fmt.Errorf("read random bytes: %w", err)
		}
		for _, b := range pool {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%size])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}
