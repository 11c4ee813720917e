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
	"os"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		rules int
		// checks are method, path, want.
		checks [][3]string
	}{
		{
			name: "spec example",
			yaml: `
rules:
- pathPrefix: /messages
  methods: [GET, POST]
  accessLevel: Full
- pathRegex: '^/campaigns(/|$)'
  accessLevel: Full
default: Limited
`,
			rules: 2,
			checks: [][3]string{
				{"GET", "/messages", "Full"},
				{"POST", "/messages/1", "Full"},
				{"HEAD", "/messages", "Full"}, // GET brings HEAD
				{"DELETE", "/messages", "Limited"},
				{"PUT", "/campaigns/7", "Full"},
				{"GET", "/campaignsx", "Limited"},
				{"GET", "/dashboard", "Limited"},
			},
		},
		{
			name:   "no rules, default Full",
			yaml:   "default: Full\n",
			checks: [][3]string{{"GET", "/", "Full"}, {"GET", "/dashboard", "Full"}},
		},
		{
			name:   "empty rules list",
			yaml:   "rules: []\ndefault: Limited\n",
			checks: [][3]string{{"GET", "/messages", "Limited"}},
		},
		{
			name: "root prefix covers everything",
			yaml: `
rules:
- pathPrefix: /settings
  accessLevel: Limited
- pathPrefix: /
  accessLevel: Full
default: Limited
`,
			rules:  2,
			checks: [][3]string{{"GET", "/settings/x", "Limited"}, {"GET", "/", "Full"}, {"GET", "/any/page", "Full"}},
		},
		{
			name: "encoded prefix is matched decoded, any case",
			yaml: `
rules:
- pathPrefix: /Caf%C3%A9
  accessLevel: Full
default: Limited
`,
			rules:  1,
			checks: [][3]string{{"GET", "/café/1", "Full"}, {"GET", "/CAFÉ", "Full"}, {"GET", "/cafe", "Limited"}},
		},
		{
			name: "regex flags other than case are allowed",
			yaml: `
rules:
- pathRegex: '(?s)^/a.b$'
  accessLevel: Full
- pathRegex: '^/x[/]y(?-s:.)$'
  accessLevel: Full
- pathRegex: '^/\d+$'
  accessLevel: Full
default: Limited
`,
			rules:  3,
			checks: [][3]string{{"GET", "/a\nb", "Full"}, {"GET", "/X/Yz", "Full"}, {"GET", "/42", "Full"}, {"GET", "/4a", "Limited"}},
		},
		{
			name: "unusual method tokens",
			yaml: `
rules:
- pathPrefix: /dav
  methods: [PROPFIND, M-SEARCH, "X_Y.Z~1"]
  accessLevel: Full
default: Limited
`,
			rules:  1,
			checks: [][3]string{{"propfind", "/dav", "Full"}, {"x_y.z~1", "/dav", "Full"}, {"GET", "/dav", "Limited"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if set.Len() != tt.rules {
				t.Errorf("Len() = %d, want %d", set.Len(), tt.rules)
			}
			for _, c := range tt.checks {
				if got := set.Required(c[0], c[1]); string(got) != c[2] {
					t.Errorf("Required(%q, %q) = %s, want %s", c[0], c[1], got, c[2])
				}
			}
		})
	}
}

// rulesYAML builds a document with one rule whose body is given, for the error table.
func rulesYAML(rule string) string {
	return "rules:\n- " + strings.ReplaceAll(strings.TrimSpace(rule), "\n", "\n  ") + "\ndefault: Limited\n"
}

func TestParseInvalid(t *testing.T) {
	manyRules := "rules:\n" + strings.Repeat("- pathPrefix: /a\n  accessLevel: Full\n", MaxRules+1) + "default: Limited\n"
	longRegex := strings.Repeat("a", MaxRegexLength+1)
	tests := []struct {
		name, yaml string
		want       string // the whole error, or its beginning when it ends with "..."
	}{
		{"too large", strings.Repeat("#", MaxDataBytes+1), "rules.yaml: too large: 1048577 bytes, at most 1048576"},
		{"not YAML", "rules: [\n", "rules.yaml: ..."},
		{"top-level list", "- default: Limited\n", "rules.yaml: ..."},
		{"empty document", "", "default: required: Full or Limited"},
		{"null document", "null\n", "default: required: Full or Limited"},
		{"no default", "rules: []\n", "default: required: Full or Limited"},
		{"lower-case default", "default: limited\n", `default: "limited": must be Full or Limited`},
		{"YAML 1.1 boolean default", "default: yes\n", `default: "true": must be Full or Limited`},
		{"unknown field", "default: Limited\nfallback: Full\n", `rules.yaml: unknown field "fallback" (fields: [rules default])`},
		{"mis-cased top field", "Default: Limited\n", `rules.yaml: unknown field "Default" (fields: [rules default])`},
		{"duplicate key", "default: Full\ndefault: Limited\n", "rules.yaml: ..."},
		{"rules not a list", "rules: {pathPrefix: /a}\ndefault: Limited\n", "rules.yaml: ..."},
		{"rule not a map", "rules: [/messages]\ndefault: Limited\n", "rules.yaml: ..."},
		{"unknown rule field", rulesYAML("path: /a\naccessLevel: Full"), `rules[0]: unknown field "path" (fields: [pathPrefix pathRegex methods accessLevel])`},
		{"mis-cased rule field shadowing", rulesYAML("pathPrefix: /messages\nPathPrefix: /nothing\naccessLevel: Full"), `rules[0]: unknown field "PathPrefix" ...`},
		{"duplicate rule key", rulesYAML("pathPrefix: /a\npathPrefix: /b\naccessLevel: Full"), "rules.yaml: ..."},
		{"both paths", rulesYAML("pathPrefix: /a\npathRegex: ^/a\naccessLevel: Full"), "rules[0]: pathPrefix and pathRegex are both set: use exactly one"},
		{"no path", rulesYAML("accessLevel: Full"), "rules[0]: one of pathPrefix or pathRegex is required"},
		{"null path", rulesYAML("pathPrefix: null\naccessLevel: Full"), "rules[0]: one of pathPrefix or pathRegex is required"},
		{"empty prefix", rulesYAML(`pathPrefix: ""` + "\naccessLevel: Full"), `rules[0].pathPrefix: "": must start with /`},
		{"relative prefix", rulesYAML("pathPrefix: messages\naccessLevel: Full"), `rules[0].pathPrefix: "messages": must start with /`},
		{"trailing slash", rulesYAML("pathPrefix: /messages/\naccessLevel: Full"), `rules[0].pathPrefix: "/messages/": must not end with / (it already covers the pages below)`},
		{"prefix with query", rulesYAML("pathPrefix: /messages?x\naccessLevel: Full"), `rules[0].pathPrefix: "/messages?x": must not contain ? or # (a path, not a URL)`},
		{"prefix with fragment", rulesYAML("pathPrefix: '/messages#x'\naccessLevel: Full"), `rules[0].pathPrefix: "/messages#x": must not contain ? or # (a path, not a URL)`},
		{"prefix with dot segment", rulesYAML("pathPrefix: /a/../messages\naccessLevel: Full"), `rules[0].pathPrefix: "/a/../messages": not canonical: dot segment in path`},
		{"prefix with double slash", rulesYAML("pathPrefix: //messages\naccessLevel: Full"), `rules[0].pathPrefix: "//messages": not canonical: doubled slash in path`},
		{"prefix with encoded letter", rulesYAML("pathPrefix: /m%65ssages\naccessLevel: Full"), `rules[0].pathPrefix: "/m%65ssages": not canonical: needlessly encoded letter, digit, -, _ or ~ in path`},
		{"prefix with semicolon", rulesYAML("pathPrefix: /a;b\naccessLevel: Full"), `rules[0].pathPrefix: "/a;b": not canonical: semicolon in path`},
		{"prefix decodes to invalid UTF-8", rulesYAML("pathPrefix: /caf%FF\naccessLevel: Full"), `rules[0].pathPrefix: "/caf%FF": decodes to invalid UTF-8`},
		{"empty regex", rulesYAML(`pathRegex: ""` + "\naccessLevel: Full"), "rules[0].pathRegex: empty"},
		{"bad regex", rulesYAML("pathRegex: '^/(a'\naccessLevel: Full"), "rules[0].pathRegex: invalid: error parsing regexp: missing closing ): `^/(a`"},
		{"Perl-only regex", rulesYAML(`pathRegex: '^/(?=a)'` + "\naccessLevel: Full"), "rules[0].pathRegex: invalid: ..."},
		{"long regex", rulesYAML("pathRegex: " + longRegex + "\naccessLevel: Full"), "rules[0].pathRegex: too long: 1025 bytes, at most 1024"},
		{"case-sensitive regex", rulesYAML("pathRegex: '(?-i)^/messages'\naccessLevel: Full"), "rules[0].pathRegex: must not turn off case-insensitive matching with (?-i)"},
		{"case-sensitive group", rulesYAML("pathRegex: '^/(?-i:m)essages'\naccessLevel: Full"), "rules[0].pathRegex: must not turn off case-insensitive matching with (?-i)"},
		{"case-sensitive class", rulesYAML("pathRegex: '^/(?-i)[a-z]+'\naccessLevel: Full"), "rules[0].pathRegex: must not turn off case-insensitive matching with (?-i)"},
		{"case-sensitive single-letter class", rulesYAML("pathRegex: '^/(?-i)[m]essages'\naccessLevel: Full"), "rules[0].pathRegex: must not turn off case-insensitive matching with (?-i)"},
		{"empty methods", rulesYAML("pathPrefix: /a\nmethods: []\naccessLevel: Full"), "rules[0].methods: empty: omit the field to match every method"},
		{"lower-case method", rulesYAML("pathPrefix: /a\nmethods: [GET, post]\naccessLevel: Full"), `rules[0].methods[1]: "post": must be an upper-case HTTP method token (GET, POST, ...)`},
		{"empty method", rulesYAML(`pathPrefix: /a` + "\nmethods: [\"\"]\naccessLevel: Full"), `rules[0].methods[0]: "": must be an upper-case HTTP method token (GET, POST, ...)`},
		{"method with space", rulesYAML("pathPrefix: /a\nmethods: ['GET POST']\naccessLevel: Full"), `rules[0].methods[0]: "GET POST": must be an upper-case HTTP method token (GET, POST, ...)`},
		{"method with separator", rulesYAML("pathPrefix: /a\nmethods: ['GE(T']\naccessLevel: Full"), `rules[0].methods[0]: "GE(T": must be an upper-case HTTP method token (GET, POST, ...)`},
		{"duplicate method", rulesYAML("pathPrefix: /a\nmethods: [GET, POST, GET]\naccessLevel: Full"), `rules[0].methods[2]: "GET": listed twice`},
		{"method not a string", rulesYAML("pathPrefix: /a\nmethods: [{GET: 1}]\naccessLevel: Full"), "rules.yaml: ..."},
		{"no access level", rulesYAML("pathPrefix: /a"), "rules[0].accessLevel: required: Full or Limited"},
		{"lower-case access level", rulesYAML("pathPrefix: /a\naccessLevel: full"), `rules[0].accessLevel: "full": must be Full or Limited`},
		{"unknown access level", rulesYAML("pathPrefix: /a\naccessLevel: Admin"), `rules[0].accessLevel: "Admin": must be Full or Limited`},
		{"too many rules", manyRules, "rules: too many: 1001, at most 1000"},
		{
			"error names the rule index",
			"rules:\n- pathPrefix: /a\n  accessLevel: Full\n- pathPrefix: /b\n  accessLevel: Full\n- pathPrefix: /c\n  accessLevel: Full\n- pathRegex: '['\n  accessLevel: Full\ndefault: Limited\n",
			"rules[3].pathRegex: invalid: error parsing regexp: missing closing ]: `[`",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded with %d rules, want error %q", set.Len(), tt.want)
			}
			if set != nil {
				t.Errorf("Parse returned a set with its error")
			}
			if prefix, ok := strings.CutSuffix(tt.want, "..."); ok {
				if !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error = %q, want it to start with %q", err, prefix)
				}
			} else if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
}

// TestParseLimitsAreInclusive checks that the limits themselves are allowed.
func TestParseLimitsAreInclusive(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := range MaxRules {
		fmt.Fprintf(&b, "- pathPrefix: /p%d\n  accessLevel: Full\n", i)
	}
	b.WriteString("- pathRegex: '" + strings.Repeat("a", MaxRegexLength) + "'\n  accessLevel: Full\n")
	doc := b.String()
	doc = strings.Replace(doc, "- pathPrefix: /p0\n  accessLevel: Full\n", "", 1) // keep MaxRules in all
	doc += "default: Limited\n"
	set, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if set.Len() != MaxRules {
		t.Errorf("Len() = %d, want %d", set.Len(), MaxRules)
	}

	padded := "default: Limited\n" + strings.Repeat("#", MaxDataBytes-len("default: Limited\n"))
	if _, err := Parse([]byte(padded)); err != nil {
		t.Errorf("Parse of exactly %d bytes: %v", MaxDataBytes, err)
	}
}

// TestSampleRules parses the sample shipped as testdata, from which config/samples is written.
func TestSampleRules(t *testing.T) {
	data, err := os.ReadFile("testdata/pii-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(testdata/pii-rules.yaml): %v", err)
	}
	if set.Len() != 4 {
		t.Errorf("Len() = %d, want 4", set.Len())
	}
	for _, page := range []string{"/messages", "/contacts", "/campaigns", "/inbox"} {
		if got := set.Required("GET", page); got != Full {
			t.Errorf("Required(GET, %s) = %s, want Full", page, got)
		}
	}
	for _, page := range []string{"/", "/dashboard", "/settings", "/poll", "/api/ping"} {
		if got := set.Required("GET", page); got != Limited {
			t.Errorf("Required(GET, %s) = %s, want Limited", page, got)
		}
	}
}
