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

package pagerules

import "testing"

func TestFoldPrefixLen(t *testing.T) {
	tests := []struct {
		name, s, prefix string
		n               int
		ok              bool
	}{
		{"exact", "/messages", "/messages", 9, true},
		{"longer path", "/messages/42", "/messages", 9, true},
		{"upper case", "/MESSAGES", "/messages", 9, true},
		{"mixed case", "/MeSsAgEs/1", "/messages", 9, true},
		{"shorter path", "/mess", "/messages", 0, false},
		{"different", "/massages", "/messages", 0, false},
		{"empty prefix", "/x", "", 0, true},
		{"long s folds to s", "/me\u017f\u017fages", "/messages", 11, true},
		{"Kelvin sign folds to k", "/\u212aey", "/key", 6, true},
		{"non-ASCII prefix, other case", "/CAFÉ/x", "/café", 6, true},
		{"non-ASCII prefix, same case", "/café", "/café", 6, true},
		{"non-ASCII mismatch", "/cafè", "/café", 0, false},
		{"invalid UTF-8 in path", "/caf\xff", "/café", 0, false},
		{"invalid UTF-8 against U+FFFD", "/\xff", "/\ufffd", 0, false},
		{"path ends inside a rune match", "/caf", "/café", 0, false},
		{"non-letter bytes compare exactly", "/a-b", "/a_b", 0, false},
		{"@ is not ` folded", "/@", "/`", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := foldPrefixLen(tt.s, tt.prefix)
			if n != tt.n || ok != tt.ok {
				t.Errorf("foldPrefixLen(%q, %q) = %d, %v; want %d, %v", tt.s, tt.prefix, n, ok, tt.n, tt.ok)
			}
		})
	}
}

func TestEqualFoldMethod(t *testing.T) {
	tests := []struct {
		method, upper string
		want          bool
	}{
		{"GET", "GET", true},
		{"get", "GET", true},
		{"Post", "POST", true},
		{"GETS", "GET", false},
		{"", "GET", false},
		{"PUT", "GET", false},
		{"M-SEARCH", "M-SEARCH", true},
		{"m-search", "M-SEARCH", true},
		{"\xc7ET", "GET", false},
	}
	for _, tt := range tests {
		if got := equalFoldMethod(tt.method, tt.upper); got != tt.want {
			t.Errorf("equalFoldMethod(%q, %q) = %v, want %v", tt.method, tt.upper, got, tt.want)
		}
	}
}
