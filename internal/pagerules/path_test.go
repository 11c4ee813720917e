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
	"errors"
	"strings"
	"testing"
)

func TestCanonicalPathAccepts(t *testing.T) {
	long := "/" + strings.Repeat("a", MaxPathLength-1)
	tests := []struct {
		name, raw, want string
	}{
		{"root", "/", "/"},
		{"page", "/messages", "/messages"},
		{"nested", "/messages/42", "/messages/42"},
		{"trailing slash", "/messages/", "/messages/"},
		{"query stripped", "/messages?x=1", "/messages"},
		{"empty query", "/messages?", "/messages"},
		{"fragment stripped", "/messages#top", "/messages"},
		{"query then fragment", "/a?b#c", "/a"},
		{"fragment then query", "/a#b?c", "/a"},
		{"query is not checked", "/a?../..;%zz//\\", "/a"},
		{"root with query", "/?rd=/messages", "/"},
		{"three dots are a name", "/...", "/..."},
		{"dot-led name", "/.well-known/security.txt", "/.well-known/security.txt"},
		{"dots inside names", "/a./..b/c..", "/a./..b/c.."},
		{"encoded space decoded", "/a%20b", "/a b"},
		{"encoded UTF-8 decoded", "/caf%C3%A9", "/café"},
		{"lower-case hex", "/caf%c3%a9", "/café"},
		{"encoded question mark", "/a%3Fb", "/a?b"},
		{"encoded hash", "/a%23b", "/a#b"},
		{"encoded plus", "/a%2Bb", "/a+b"},
		{"encoded brace", "/%7B%7D", "/{}"},
		{"sub-delims raw", "/a!$&'()*+,=:@b", "/a!$&'()*+,=:@b"},
		{"unreserved raw", "/A-z_0.9~", "/A-z_0.9~"},
		{"longest path", long, long},
		{"longest path with query", long + "?" + strings.Repeat("q", 5000), long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalPath(tt.raw)
			if err != nil {
				t.Fatalf("CanonicalPath(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("CanonicalPath(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestCanonicalPathRefuses(t *testing.T) {
	long := "/" + strings.Repeat("a", MaxPathLength)
	tests := []struct {
		name, raw string
		want      error
	}{
		{"empty", "", errEmptyPath},
		{"relative", "messages", errNotAbsolute},
		{"asterisk", "*", errNotAbsolute},
		{"absolute URL", "https://app.example.com/messages", errNotAbsolute},
		{"query only", "?x", errNotAbsolute},
		{"dot", "/.", errDotSegment},
		{"dot dot", "/..", errDotSegment},
		{"leading dot dot", "/../messages", errDotSegment},
		{"inner dot", "/a/./messages", errDotSegment},
		{"inner dot dot", "/dashboard/../messages", errDotSegment},
		{"trailing dot", "/messages/.", errDotSegment},
		{"trailing dot dot", "/dashboard/..", errDotSegment},
		{"dot dot before query", "/dashboard/..?x", errDotSegment},
		{"dot before fragment", "/messages/.#x", errDotSegment},
		{"leading double slash", "//messages", errDoubleSlash},
		{"inner double slash", "/a//messages", errDoubleSlash},
		{"trailing double slash", "/messages//", errDoubleSlash},
		{"backslash", "/a\\messages", errBackslash},
		{"leading backslash", "/\\messages", errBackslash},
		{"semicolon", "/messages;jsessionid=1", errSemicolon},
		{"semicolon segment", "/dashboard;/../messages", errSemicolon},
		{"NUL", "/messages\x00", errControl},
		{"tab", "/mess\tages", errControl},
		{"CR LF", "/a\r\nX: y", errControl},
		{"DEL", "/a\x7f", errControl},
		{"space", "/a b", errSpace},
		{"raw UTF-8", "/caf\xc3\xa9", errNonASCII},
		{"raw high byte", "/\xff", errNonASCII},
		{"lone percent", "/%", errBadEscape},
		{"one hex digit", "/%4", errBadEscape},
		{"non-hex", "/%zz", errBadEscape},
		{"half hex", "/%4g", errBadEscape},
		{"percent before query", "/a%?b", errBadEscape},
		{"percent before fragment", "/a%4#b", errBadEscape},
		{"encoded slash", "/dashboard%2F..%2Fmessages", errEncodedSlash},
		{"encoded slash lower", "/a%2fb", errEncodedSlash},
		{"encoded backslash", "/a%5Cb", errEncodedBackslash},
		{"encoded dot", "/%2e", errEncodedDot},
		{"encoded dot dot", "/%2E%2E/messages", errEncodedDot},
		{"encoded percent", "/a%25", errEncodedPercent},
		{"double-encoded slash", "/a%252Fb", errEncodedPercent},
		{"encoded semicolon", "/messages%3Bx", errEncodedSemicolon},
		{"encoded NUL", "/messages%00", errEncodedControl},
		{"encoded LF", "/a%0a", errEncodedControl},
		{"encoded US", "/a%1F", errEncodedControl},
		{"encoded DEL", "/a%7f", errEncodedControl},
		{"encoded letter", "/%6dessages", errEncodedUnreserved},
		{"encoded upper letter", "/%4Dessages", errEncodedUnreserved},
		{"encoded digit", "/a%30", errEncodedUnreserved},
		{"encoded hyphen", "/a%2D", errEncodedUnreserved},
		{"encoded underscore", "/a%5F", errEncodedUnreserved},
		{"encoded tilde", "/a%7E", errEncodedUnreserved},
		{"too long", long, errPathTooLong},
		{"too long before query", long + "?x", errPathTooLong},
		{"too long, escape at the limit", long[:MaxPathLength-1] + "%20", errPathTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalPath(tt.raw)
			if err != tt.want { // the exact refusal, not just any
				t.Fatalf("CanonicalPath(%q) = %q, %v; want error %q", tt.raw, got, err, tt.want)
			}
			if !errors.Is(err, ErrNotCanonical) {
				t.Errorf("errors.Is(%v, ErrNotCanonical) = false", err)
			}
			if got != "" {
				t.Errorf("CanonicalPath(%q) returned %q with its error", tt.raw, got)
			}
		})
	}
}

// TestCanonicalPathErrorsAreDistinct keeps the 400 messages telling: one text per refusal.
func TestCanonicalPathErrorsAreDistinct(t *testing.T) {
	all := []pathError{
		errEmptyPath, errNotAbsolute, errPathTooLong, errDotSegment, errDoubleSlash, errBackslash,
		errSemicolon, errControl, errSpace, errNonASCII, errBadEscape, errEncodedSlash,
		errEncodedBackslash, errEncodedDot, errEncodedPercent, errEncodedSemicolon, errEncodedControl,
		errEncodedUnreserved,
	}
	seen := map[string]bool{}
	for _, e := range all {
		if seen[e.Error()] {
			t.Errorf("duplicate message %q", e)
		}
		seen[e.Error()] = true
		if len(e.Error()) > 60 {
			t.Errorf("message %q is longer than 60 bytes", e)
		}
	}
}

func TestCanonicalPathAllocations(t *testing.T) {
	tests := []struct {
		name, raw string
		allocs    float64
	}{
		{"plain path", "/messages/42?x=1", 0},
		{"refused path", "/a/../messages", 0},
		{"encoded path", "/caf%C3%A9/x", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testing.AllocsPerRun(100, func() { _, _ = CanonicalPath(tt.raw) })
			if got != tt.allocs {
				t.Errorf("CanonicalPath(%q): %v allocations, want %v", tt.raw, got, tt.allocs)
			}
		})
	}
}
