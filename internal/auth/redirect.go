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

package auth

import (
	"net/url"
	"strings"
)

// maxReturnURLLength bounds the login page's rd parameter (SPEC §5.5).
const maxReturnURLLength = 2048

// returnURL returns rd when it is a safe place to send a browser after login, else "/". Safe is a
// path on this host, or a URL on a host of allowedHosts (--login-redirect-hosts, lower-case
// host[:port]). Everything a browser could resolve to another site is refused: "//host" and "/\host"
// (scheme-relative), schemes, user info, control characters (browsers drop tabs and newlines, so
// "/\t/host" is "//host"), encoded slashes and backslashes (a server may decode them before it
// redirects), dot segments.
func returnURL(rd string, allowedHosts map[string]bool) string {
	if rd == "" || len(rd) > maxReturnURLLength {
		return "/"
	}
	if rd[0] == '/' {
		if safeReturnPath(rd) {
			return rd
		}
		return "/"
	}
	if len(allowedHosts) == 0 || !safeChars(rd) {
		return "/"
	}
	u, err := url.Parse(rd)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.Opaque != "" ||
		!allowedHosts[strings.ToLower(u.Host)] {
		return "/"
	}
	if u.EscapedPath() != "" && !safeReturnPath(u.EscapedPath()) {
		return "/"
	}
	return rd
}

// safeReturnPath reports whether p, starting with "/", is a path (and query) on this host.
func safeReturnPath(p string) bool {
	if len(p) == 0 || p[0] != '/' || (len(p) > 1 && (p[1] == '/' || p[1] == '\\')) || !safeChars(p) {
		return false
	}
	path, _, _ := strings.Cut(p, "?")
	path, _, _ = strings.Cut(path, "#")
	for seg := range strings.SplitSeq(path[1:], "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	// Only the path: a query may hold encoded slashes (/search?q=a%2Fb), and cannot change the host.
	lower := strings.ToLower(path)
	for _, encoded := range []string{"%2f", "%5c", "%2e", "%00", "%09", "%0a", "%0d"} {
		if strings.Contains(lower, encoded) {
			return false
		}
	}
	return true
}

// safeChars reports whether s has no backslash, no control character, no space and no non-ASCII
// byte: what is left is what a URL's own syntax allows.
func safeChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}
