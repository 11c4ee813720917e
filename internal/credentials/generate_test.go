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
	"math"
	"strings"
	"testing"
)

func TestPasswordStrengthAndAlphabet(t *testing.T) {
	bits := float64(PasswordLength) * math.Log2(float64(len(PasswordAlphabet)))
	if bits < 128 {
		t.Fatalf("password entropy %.1f bits, want at least 128", bits)
	}
	for _, ambiguous := range "0O1lI" {
		if strings.ContainsRune(PasswordAlphabet, ambiguous) {
			t.Errorf("alphabet holds ambiguous character %q", ambiguous)
		}
	}
}

func TestGeneratedValues(t *testing.T) {
	const draws = 20000
	tests := []struct {
		name     string
		generate func() (string, error)
		check    func(t *testing.T, v string)
	}{
		{
			name:     "password",
			generate: Password,
			check: func(t *testing.T, v string) {
				if len(v) != PasswordLength {
					t.Fatalf("password length %d, want %d", len(v), PasswordLength)
				}
				if i := strings.IndexFunc(v, func(r rune) bool { return !strings.ContainsRune(PasswordAlphabet, r) }); i >= 0 {
					t.Fatalf("password holds %q outside the alphabet", v[i])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make(map[string]struct{}, draws)
			counts := map[rune]int{}
			for range draws {
				v, err := tt.generate()
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, v)
				if _, dup := seen[v]; dup {
					t.Fatalf("duplicate value after %d draws", len(seen))
				}
				seen[v] = struct{}{}
				for _, r := range v {
					counts[r]++
				}
			}
			// Every character of the alphabet shows up: a broken draw (say, always index 0, or
			// a truncated alphabet) fails here.
			for _, r := range PasswordAlphabet {
				if counts[r] == 0 {
					t.Errorf("character %q never drawn in %d values", r, draws)
				}
			}
		})
	}
}

func TestUniformity(t *testing.T) {
	// Chi-squared goodness of fit over the password alphabet: a modulo bias or a skewed source
	// pushes the statistic far above the 0.1% critical value for 56 degrees of freedom (~99.6).
	const draws = 4000
	counts := make(map[byte]int, len(PasswordAlphabet))
	for range draws {
		p, err := Password()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(p); i++ {
			counts[p[i]]++
		}
	}
	expected := float64(draws*PasswordLength) / float64(len(PasswordAlphabet))
	var chi2 float64
	for i := 0; i < len(PasswordAlphabet); i++ {
		d := float64(counts[PasswordAlphabet[i]]) - expected
		chi2 += d * d / expected
	}
	if chi2 > 110 {
		t.Fatalf("chi-squared %.1f over %d characters: distribution is not uniform", chi2, len(PasswordAlphabet))
	}
}

// BenchmarkGenerate measures issuing one set of credentials: a password and a login email, both
// from crypto/rand.
func BenchmarkGenerate(b *testing.B) {
	b.Run("password", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Password(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
