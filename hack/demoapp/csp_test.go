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

import (
	"net/http"
	"strings"
	"testing"
)

func TestContentSecurityPolicy(t *testing.T) {
	const strict = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
		"frame-ancestors 'none'; base-uri 'none'"
	tests := []struct {
		target     string
		wantCSP    string
		wantScript bool
	}{
		{"/dashboard", strict, false},
		{"/messages", strict, false},
		{"/settings", strict, false},
		{"/poll", strict + "; script-src 'self'; connect-src 'self'", true},
		{"/api/ping", strict, false},
		{"/assets/style.css", strict, false},
		{"/nope", strict, false},
		{"/", strict, false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res, body := serve(t, http.MethodGet, tt.target, nil, nil)
			if got := res.Header.Get("Content-Security-Policy"); got != tt.wantCSP {
				t.Errorf("CSP %q, want %q", got, tt.wantCSP)
			}
			for name, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"Cache-Control":          "no-store",
			} {
				if got := res.Header.Get(name); got != want {
					t.Errorf("%s %q, want %q", name, got, want)
				}
			}
			if got := strings.Contains(body, "<script"); got != tt.wantScript {
				t.Errorf("page has a script: %v, want %v", got, tt.wantScript)
			}
			if tt.wantScript && !strings.Contains(body, `<script src="/assets/poll.js" defer></script>`) {
				t.Error("the poll page does not load /assets/poll.js")
			}
			for _, external := range []string{"http://", "https://", "//"} {
				if strings.Contains(body, `src="`+external) || strings.Contains(body, `href="`+external) {
					t.Errorf("page refers to an external %s resource", external)
				}
			}
		})
	}
}
