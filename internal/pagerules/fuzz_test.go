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
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// referenceCanonicalPath is CanonicalPath written the obvious, slow way, rule by rule, on top of
// net/url: the fuzz target checks that the fast scanner agrees with it on every input.
func referenceCanonicalPath(raw string) (string, bool) {
	path := raw
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		path = raw[:i]
	}
	if path == "" || path[0] != '/' || len(path) > MaxPathLength || strings.Contains(path, "//") {
		return "", false
	}
	for _, seg := range strings.Split(path[1:], "/") {
		if seg == "." || seg == ".." {
			return "", false
		}
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c <= ' ' || c >= 0x7f || c == '\\' || c == ';' {
			return "", false
		}
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '%' {
			continue
		}
		if i+2 >= len(path) {
			return "", false
		}
		v, err := strconv.ParseUint(path[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b := byte(v)
		if strings.IndexByte("/\\.%;", b) >= 0 || b < 0x20 || b == 0x7f || isUnreserved(b) {
			return "", false
		}
		i += 2
	}
	out, err := url.PathUnescape(path)
	if err != nil {
		return "", false
	}
	return out, true
}

// FuzzCanonicalPath checks CanonicalPath against the reference and, for every accepted path, the
// properties the matcher relies on: no doubled slash, no dot segment, no control byte, no % left.
func FuzzCanonicalPath(f *testing.F) {
	for _, seed := range []string{
		"/", "/messages", "/messages/42?x=1#y", "/a/../b", "/%2e%2e/", "/a%2Fb", "/%6dessages",
		"/caf%C3%A9", "/a%20b", "//x", "/x;y", "/x\\y", "/x\x00", "/%", "/%4", "/%zz", "/a%?b",
		"/...", "/.well-known", "/x/.", "/x/..?q", strings.Repeat("/a", MaxPathLength/2) + "b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := CanonicalPath(raw)
		want, ok := referenceCanonicalPath(raw)
		if (err == nil) != ok || got != want {
			t.Fatalf("CanonicalPath(%q) = %q, %v; reference says %q, %v", raw, got, err, want, ok)
		}
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "/") || strings.Contains(got, "//") || strings.Contains(got, "%") {
			t.Fatalf("CanonicalPath(%q) = %q: not a clean path", raw, got)
		}
		for _, seg := range strings.Split(got, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("CanonicalPath(%q) = %q: dot segment", raw, got)
			}
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c < 0x20 || c == 0x7f || c == '\\' || c == ';' {
				t.Fatalf("CanonicalPath(%q) = %q: byte %#x", raw, got, c)
			}
		}
	})
}
