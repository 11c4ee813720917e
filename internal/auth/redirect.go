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

	"github.com/supportaccess/support-access-operator/internal/pagerules"
)

// maxReturnURLLength bounds the login page's rd parameter (docs/reference.md#browser-sessions).
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

// safeReturnPath reports whether p, starting with "/", is a path (and query) on this host: no
// character a browser would drop or read as another URL's syntax, and a path forward auth would
// judge as is (pagerules.CanonicalPath: no "//", "\", dot segments or encoded "/", "\", "." or "%").
// The query is not the path's: it may hold encoded slashes, and cannot change the host.
func safeReturnPath(p string) bool {
	if !safeChars(p) {
		return false
	}
	_, err := pagerules.CanonicalPath(p)
	return err == nil
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
