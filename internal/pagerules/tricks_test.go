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
	"os"
	"testing"
)

// loadSample parses the shipped sample: the four personal-data pages of the help text at Full,
// default Limited.
func loadSample(tb testing.TB) *Set {
	tb.Helper()
	data, err := os.ReadFile("testdata/pii-rules.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	set, err := Parse(data)
	if err != nil {
		tb.Fatalf("Parse(testdata/pii-rules.yaml): %v", err)
	}
	return set
}

// TestNoTrickReachesPIIAsLimited is the forward-auth promise end to end: every way of spelling a
// personal-data page either is refused by CanonicalPath (400) or needs Full (403 for Limited).
func TestNoTrickReachesPIIAsLimited(t *testing.T) {
	set := loadSample(t)
	tricks := []string{
		// the pages themselves
		"/messages", "/contacts", "/campaigns", "/inbox",
		"/messages/", "/messages/42", "/contacts/7/edit", "/inbox/", "/campaigns/new",
		// query and fragment
		"/messages?x", "/messages?x=1#y", "/messages#top", "/inbox?", "/campaigns?/dashboard",
		// case
		"/MESSAGES", "/Messages/1", "/mEsSaGeS", "/CONTACTS", "/InBoX/", "/Campaigns/7",
		// Unicode case folding: U+017F (long s) folds to s, as (?i) regexps and some apps fold it
		"/me%C5%BF%C5%BFages", "/ME%C5%BF%C5%BFAGES/1",
		// format suffixes and trailing junk an app may strip
		"/messages.json", "/messages.", "/contacts.csv", "/messages%20", "/inbox%3F", "/messages%23x",
		"/messages!", "/messages:export", "/messages@x", "/messages,x",
		// dot segments, raw and encoded
		"/../messages", "/dashboard/../messages", "/dashboard/./../messages", "/messages/.",
		"/dashboard/..", "/x/..", "/messages/..", "/./messages", "/%2e%2e/messages",
		"/.%2e/messages", "/dashboard/%2e%2e/messages", "/dashboard/%2E%2E/messages", "/%2e/messages",
		// encoded and double-encoded slashes and backslashes
		"/dashboard%2F..%2Fmessages", "/dashboard%2fmessages", "/%2Fmessages",
		"/dashboard%252F..%252Fmessages", "/%252e%252e/messages", "/dashboard%5C..%5Cmessages",
		"/dashboard\\..\\messages", "/\\messages",
		// matrix parameters
		"/messages;jsessionid=1", "/dashboard;x=/../messages", "/messages;/", "/messages%3Bx",
		"/;/messages",
		// doubled slashes
		"//messages", "///messages", "/dashboard//../messages", "//", "/dashboard//messages",
		// needlessly encoded letters
		"/%6dessages", "/%6Dessages", "/m%65ssages", "/messag%65s", "/%4Dessages", "/inb%6fx",
		"/%63ontacts", "/campaign%73",
		// controls, NUL, spaces, raw non-ASCII
		"/messages\x00", "/dashboard\x00/messages", "/messages%00", "/mess\tages", "/messages%09",
		"/messages\r\n", "/messages%0d%0a", "/ messages", "/messages ", "/m\xc3\xa9ssages",
		"/messages\x7f",
		// malformed escapes
		"/messages%", "/messages%2", "/messages%zz", "/%%36dessages",
		// not a path
		"", "messages", "*", "http://app.example.com/messages", "?/messages", "#/messages",
	}
	for _, method := range []string{"GET", "get", "HEAD", "POST", "DELETE", ""} {
		for _, raw := range tricks {
			path, err := CanonicalPath(raw)
			if err != nil {
				continue // 400
			}
			if got := set.Required(method, path); got != Full {
				t.Errorf("%s %q: canonical %q needs %s, want Full or a refusal", method, raw, path, got)
			}
		}
	}
}

// TestOtherPagesStayLimited keeps the rules from over-blocking what Limited sessions are for.
func TestOtherPagesStayLimited(t *testing.T) {
	set := loadSample(t)
	for _, raw := range []string{
		"/", "/dashboard", "/settings", "/poll", "/api/ping", "/assets/app.css",
		"/messagesx", "/messages-old", "/messages_v2", "/messages~", "/messages%C3%A9",
		"/inboxes", "/contact", "/campaign", "/mess", "/dashboard/messages",
		"/dashboard?next=/messages", "/dashboard#/messages", "/settings?tab=contacts",
		"/.well-known/security.txt", "/search?q=%2e%2e%2Fmessages",
	} {
		path, err := CanonicalPath(raw)
		if err != nil {
			t.Errorf("CanonicalPath(%q): %v", raw, err)
			continue
		}
		if got := set.Required("GET", path); got != Limited {
			t.Errorf("GET %q: canonical %q needs %s, want Limited", raw, path, got)
		}
	}
}

// TestMethodRulesCoverHEADAndCase checks the method side of the tricks on a rule that lists
// methods: lower-case methods and HEAD must not slip past a GET rule.
func TestMethodRulesCoverHEADAndCase(t *testing.T) {
	set, err := Parse([]byte(`
rules:
- pathPrefix: /messages
  methods: [GET, POST]
  accessLevel: Full
default: Limited
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method string
		want   AccessLevel
	}{
		{"GET", Full}, {"get", Full}, {"Get", Full}, {"HEAD", Full}, {"head", Full},
		{"POST", Full}, {"post", Full},
		{"PUT", Limited}, {"DELETE", Limited}, {"OPTIONS", Limited}, {"GETX", Limited}, {"", Limited},
	}
	for _, tt := range tests {
		if got := set.Required(tt.method, "/Messages/1"); got != tt.want {
			t.Errorf("Required(%q, /Messages/1) = %s, want %s", tt.method, got, tt.want)
		}
	}
}
