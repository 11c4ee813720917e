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

func TestIdentityHeadersAreShownEscaped(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		// want are the exact cells expected in the page.
		want []string
		// absent must not appear anywhere in the page.
		absent []string
	}{
		{
			name: "all seven headers",
			header: http.Header{
				"X-Supportaccess-User":         {"supportaccess:acme:sag-1"},
				"X-Supportaccess-Email":        {"sag-1@support.invalid"},
				"X-Supportaccess-Account":      {"acme"},
				"X-Supportaccess-Access-Level": {"Limited"},
				"X-Supportaccess-Grant":        {"sag-1"},
				"X-Supportaccess-Expires-At":   {"2026-03-09T10:00:00Z"},
				"Remote-User":                  {"sag-1@support.invalid"},
			},
			want: []string{
				`<td id="identity-x-supportaccess-user">supportaccess:acme:sag-1</td>`,
				`<td id="identity-x-supportaccess-email">sag-1@support.invalid</td>`,
				`<td id="identity-x-supportaccess-account">acme</td>`,
				`<td id="identity-x-supportaccess-access-level">Limited</td>`,
				`<td id="identity-x-supportaccess-grant">sag-1</td>`,
				`<td id="identity-x-supportaccess-expires-at">2026-03-09T10:00:00Z</td>`,
				`<td id="identity-remote-user">sag-1@support.invalid</td>`,
			},
		},
		{
			name:   "none: empty cells",
			header: http.Header{},
			want: []string{
				`<td id="identity-x-supportaccess-user"></td>`,
				`<td id="identity-remote-user"></td>`,
			},
		},
		{
			name: "markup is escaped",
			header: http.Header{
				"X-Supportaccess-User":  {`<script>alert(1)</script>`},
				"X-Supportaccess-Email": {`"><img src=x onerror=alert(1)>`},
			},
			want: []string{
				`<td id="identity-x-supportaccess-user">&lt;script&gt;alert(1)&lt;/script&gt;</td>`,
				`<td id="identity-x-supportaccess-email">&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</td>`,
			},
			absent: []string{"<script>alert", "<img src=x"},
		},
		{
			name:   "several values are all shown",
			header: http.Header{"X-Supportaccess-Access-Level": {"Limited", "Full"}},
			want:   []string{`<td id="identity-x-supportaccess-access-level">Limited, Full</td>`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := serve(t, http.MethodGet, "/messages", tt.header, nil)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(body, a) {
					t.Errorf("page contains unescaped %s", a)
				}
			}
			if got := strings.Count(body, `<td id="identity-`); got != len(identityHeaders) {
				t.Errorf("%d identity cells, want %d", got, len(identityHeaders))
			}
		})
	}
}

func TestIdentityHeadersIsACopy(t *testing.T) {
	got := IdentityHeaders()
	got[0] = "changed"
	if identityHeaders[0] != "X-Supportaccess-User" {
		t.Fatal("IdentityHeaders let the caller change the app's list")
	}
}
