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

func mustParse(tb testing.TB, doc string) *Set {
	tb.Helper()
	set, err := Parse([]byte(doc))
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return set
}

func TestRequired(t *testing.T) {
	set := mustParse(t, `
rules:
- pathPrefix: /messages/public
  accessLevel: Limited
- pathPrefix: /messages
  accessLevel: Full
- pathRegex: '^/campaigns(/|$)'
  accessLevel: Full
- pathRegex: 'export'
  methods: [POST]
  accessLevel: Full
default: Limited
`)
	tests := []struct {
		name, method, path string
		want               AccessLevel
	}{
		{"first match wins", "GET", "/messages/public/1", Limited},
		{"first match wins, any case", "GET", "/MESSAGES/Public", Limited},
		{"later rule", "GET", "/messages/private", Full},
		{"prefix itself", "GET", "/messages", Full},
		{"prefix with slash", "GET", "/messages/", Full},
		{"prefix not a segment", "GET", "/messagesx", Limited},
		{"prefix with format suffix", "GET", "/messages.json", Full},
		{"earlier rule needs a segment too", "GET", "/messages/publicity", Full},
		{"regex", "GET", "/campaigns/3", Full},
		{"regex any case", "GET", "/CAMPAIGNS", Full},
		{"regex not matching", "GET", "/campaignsx", Limited},
		{"unanchored regex, method matches", "POST", "/reports/export/1", Full},
		{"unanchored regex, method does not", "GET", "/reports/export/1", Limited},
		{"default", "GET", "/dashboard", Limited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := set.Required(tt.method, tt.path); got != tt.want {
				t.Errorf("Required(%q, %q) = %s, want %s", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

func TestFailClosed(t *testing.T) {
	var nilSet *Set
	for _, set := range []*Set{FailClosed(), nilSet} {
		if set.Len() != 0 {
			t.Errorf("Len() = %d, want 0", set.Len())
		}
		for _, path := range []string{"/", "/dashboard", "/messages"} {
			if got := set.Required("GET", path); got != Full {
				t.Errorf("Required(GET, %s) = %s, want Full", path, got)
			}
		}
	}
}

func TestPermits(t *testing.T) {
	tests := []struct {
		have, need AccessLevel
		want       bool
	}{
		{Full, Full, true},
		{Full, Limited, true},
		{Limited, Limited, true},
		{Limited, Full, false},
		{"", Limited, false},
		{"full", Full, false},
		{Full, "", false},
		{Full, "Admin", false},
	}
	for _, tt := range tests {
		if got := Permits(tt.have, tt.need); got != tt.want {
			t.Errorf("Permits(%q, %q) = %v, want %v", tt.have, tt.need, got, tt.want)
		}
	}
}

func TestRequiredDoesNotAllocate(t *testing.T) {
	set := benchSet(t)
	tests := []struct {
		name, method, path string
		regex              bool // the answer involves regexp matching
	}{
		{"prefix hit", "GET", "/messages/42", false},
		{"prefix hit, other case", "get", "/Messages/42", false},
		{"regex hit", "GET", "/campaigns/7", true},
		{"default after every rule", "GET", "/dashboard/overview", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.regex && raceEnabled {
				t.Skip("regexp's pooled matchers allocate under the race detector")
			}
			set.Required(tt.method, tt.path) // warm the regexp machine pools
			if got := testing.AllocsPerRun(100, func() { set.Required(tt.method, tt.path) }); got != 0 {
				t.Errorf("Required(%q, %q): %v allocations, want 0", tt.method, tt.path, got)
			}
		})
	}
}
