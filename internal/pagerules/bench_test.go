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

import (
	"fmt"
	"strings"
	"testing"
)

// benchSet is a realistic rule set: the four personal-data pages first (two prefixes, two
// regexes), then 50 other rules, half prefixes and half regexes, none matching the benchmark's
// Limited page, so a default answer walks every rule.
func benchSet(tb testing.TB) *Set {
	tb.Helper()
	var b strings.Builder
	b.WriteString(`rules:
- pathPrefix: /messages
  methods: [GET, POST]
  accessLevel: Full
- pathPrefix: /contacts
  accessLevel: Full
- pathRegex: '^/campaigns(/|$)'
  accessLevel: Full
- pathRegex: '^/inbox(/|$)'
  accessLevel: Full
`)
	for i := range 25 {
		fmt.Fprintf(&b, "- pathPrefix: /section%d/reports\n  accessLevel: Full\n", i)
		fmt.Fprintf(&b, "- pathRegex: '^/api/v[0-9]+/tenant%d/(export|audit)(/|$)'\n  methods: [GET]\n  accessLevel: Full\n", i)
	}
	b.WriteString("default: Limited\n")
	return mustParse(tb, b.String())
}

func BenchmarkRequired(b *testing.B) {
	set := benchSet(b)
	if set.Len() != 54 {
		b.Fatalf("Len() = %d, want 54", set.Len())
	}
	cases := []struct {
		name, method, path string
		want               AccessLevel
	}{
		{"prefix/first", "GET", "/messages/42", Full},
		{"prefix/second", "GET", "/Contacts/7", Full},
		{"regex/third", "GET", "/campaigns/7", Full},
		{"default/all54", "GET", "/dashboard/overview", Limited},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if got := set.Required(c.method, c.path); got != c.want {
				b.Fatalf("Required = %s, want %s", got, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				set.Required(c.method, c.path)
			}
		})
	}
}

func BenchmarkCanonicalPath(b *testing.B) {
	cases := []struct{ name, raw string }{
		{"plain", "/messages/42?page=2&sort=desc"},
		{"encoded", "/search/caf%C3%A9%20cr%C3%A8me"},
		{"refused", "/dashboard/../messages"},
		{"long", "/" + strings.Repeat("segment/", 200) + "end"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.raw)))
			for b.Loop() {
				_, _ = CanonicalPath(c.raw)
			}
		})
	}
}

// BenchmarkForwardAuthPath is what the endpoint does per request: canonicalise, then match.
func BenchmarkForwardAuthPath(b *testing.B) {
	set := benchSet(b)
	b.ReportAllocs()
	for b.Loop() {
		path, err := CanonicalPath("/dashboard/overview?tab=1")
		if err != nil {
			b.Fatal(err)
		}
		set.Required("GET", path)
	}
}
