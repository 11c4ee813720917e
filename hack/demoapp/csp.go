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

package demoapp

import "net/http"

// pageCSP is the Content-Security-Policy of every response: the app makes no third-party requests and
// runs no script, so a test that sees a page render knows nothing else was needed.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// scriptCSP is pageCSP plus the one same-origin script and its fetch, for the pages that have a
// script (only /poll): fetch is governed by connect-src, which default-src 'none' would block.
const scriptCSP = pageCSP + "; script-src 'self'; connect-src 'self'"

// withSecurityHeaders sets the strict headers on every response, 404s and assets included. A page
// with a script replaces the CSP itself. no-store because the pages hold personal data: after a
// logout the back button must not show them from the cache.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
