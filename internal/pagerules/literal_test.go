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
	"strings"
	"testing"
	"unicode"
)

// literalCases are regexes whose anchored literal lets Required skip the regex, and ones without.
var literalCases = []struct {
	expr, literal string
}{
	{`^/api/v[0-9]+/export(/|$)`, "/api/v"},
	{`^/Campaigns(/|$)`, "/campaigns"},
	{`^/messages`, "/messages"},
	{`^/kelvin/\x{212A}`, "/kelvin/k"}, // the parser keeps one rune of each folding orbit
	{`^/stra\x{DF}e`, "/stra\u00dfe"},
	{`^/ſecret`, "/secret"},
	{`^(/inbox|/mail)`, ""},
	{`/inbox(/|$)`, ""},
	{`^[/]inbox`, ""},
	{`^.*/inbox`, ""},
	{`(?:^/inbox)`, "/inbox"}, // a non-capturing group is no group to the parser
	{`^`, ""},
}

func TestAnchoredLiteral(t *testing.T) {
	for _, tt := range literalCases {
		_, lit, err := compileRegex(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if lit != tt.literal {
			t.Errorf("%s: literal %q, want %q", tt.expr, lit, tt.literal)
		}
	}
}

// The literal check may only refuse paths the regex refuses too: it must never skip a Full rule.
func TestAnchoredLiteralNeverRefusesAMatch(t *testing.T) {
	var paths []string
	for _, base := range []string{"/api/v2/export", "/campaigns/1", "/messages", "/kelvin/k", "/straße", "/secret", "/inbox"} {
		paths = append(paths, base, strings.ToUpper(base), strings.ToLower(base), base+"/x", base[:len(base)-1])
		// Every rune replaced by each member of its folding orbit.
		for i, r := range base {
			for _, f := range foldOrbit(r) {
				paths = append(paths, base[:i]+string(f)+base[i+len(string(r)):])
			}
		}
	}
	paths = append(paths, "/KELVIN/\u212a", "/kelvin/K", "/STRASSE", "/stra\u1e9ee", "/\u017fecret", "/SECRET", "/", "", "/a")
	for _, tt := range literalCases {
		re, lit, err := compileRegex(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if !re.MatchString(p) {
				continue
			}
			if lit == "" {
				continue
			}
			if _, ok := foldPrefixLen(p, lit); !ok {
				t.Errorf("%s matches %q, but its literal %q refuses it", tt.expr, p, lit)
			}
		}
	}
}

// foldOrbit returns the runes that fold to r, r included.
func foldOrbit(r rune) []rune {
	orbit := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		orbit = append(orbit, f)
	}
	return orbit
}

func FuzzAnchoredLiteral(f *testing.F) {
	for _, s := range []string{"/api/v2/export", "/API/V9/EXPORT/x", "/campaigns", "/kelvin/\u212a", "/\u017fecret"} {
		f.Add(s)
	}
	type compiled struct {
		expr string
		lit  string
		re   interface{ MatchString(string) bool }
	}
	var cs []compiled
	for _, tt := range literalCases {
		re, lit, err := compileRegex(tt.expr)
		if err != nil {
			f.Fatal(err)
		}
		cs = append(cs, compiled{tt.expr, lit, re})
	}
	f.Fuzz(func(t *testing.T, path string) {
		for _, c := range cs {
			if c.lit == "" || !c.re.MatchString(path) {
				continue
			}
			if _, ok := foldPrefixLen(path, c.lit); !ok {
				t.Fatalf("%s matches %q, but its literal %q refuses it", c.expr, path, c.lit)
			}
		}
	})
}
