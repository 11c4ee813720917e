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

package apilimits

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc"},
		{"aé", 2, "a"}, // é is two bytes: not split
		{"日本語", 4, "日"},
		{"", 0, ""},
		{strings.Repeat("a", MaxEventNote+1), MaxEventNote, strings.Repeat("a", MaxEventNote)},
		{strings.Repeat("é", MaxEventNote), MaxEventNote, strings.Repeat("é", MaxEventNote/2)},
	} {
		if got := Truncate(tc.s, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
	long := strings.Repeat("ü", MaxEventNote)
	got := TruncateMarked(long, MaxEventNote)
	if len(got) > MaxEventNote || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("TruncateMarked: %d bytes, valid %v, marked %v", len(got), utf8.ValidString(got), strings.HasSuffix(got, "…"))
	}
	if TruncateMarked("fits", 10) != "fits" {
		t.Error("TruncateMarked changed a string that fits")
	}
}
