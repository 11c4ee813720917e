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
	"strings"
	"testing"
)

// Open-redirect attempts on the login page's rd: each must fall back to "/"
// (docs/reference.md#browser-sessions).
func TestReturnURL(t *testing.T) {
	allowed := map[string]bool{"app.example.com": true, "localhost:8080": true}
	tests := []struct {
		rd, want string
	}{
		{"/", "/"},
		{"/dashboard", "/dashboard"},
		{"/messages?page=2&sort=desc", "/messages?page=2&sort=desc"},
		{"/search?q=%20x", "/search?q=%20x"},
		{"/search?q=a%2Fb", "/search?q=a%2Fb"},
		{"/search?q=a%0Ab", "/search?q=a%0Ab"},
		{"https://app.example.com/settings", "https://app.example.com/settings"},
		{"http://localhost:8080/inbox", "http://localhost:8080/inbox"},
		{"https://APP.example.com/x", "https://APP.example.com/x"},

		{"", "/"},
		{"dashboard", "/"},
		{"//evil.example", "/"},
		{"//evil.example/path", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"/\x00", "/"},
		{"/ /evil.example", "/"},
		{"/%2f%2fevil.example", "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/%5cevil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/../evil", "/"},
		{"/a/../../evil", "/"},
		{"/a/./b", "/"},
		{"/%2e%2e/evil", "/"},
		{"/é", "/"},
		{"https://evil.example/", "/"},
		{"https://app.example.com.evil.example/", "/"},
		{"https://evil.example@app.example.com/", "/"},
		{"https://app.example.com@evil.example/", "/"},
		{"https://app.example.com:444/", "/"},
		{"javascript:alert(1)", "/"},
		{"JavaScript:alert(1)", "/"},
		{"data:text/html,<script>alert(1)</script>", "/"},
		{"https:/evil.example", "/"},
		{"https:evil.example", "/"},
		{"ftp://app.example.com/", "/"},
		{"https://app.example.com//evil.example", "/"},
		{"https://app.example.com/%2f%2fevil", "/"},
		{"/" + strings.Repeat("a", maxReturnURLLength), "/"},
	}
	for _, tt := range tests {
		if got := returnURL(tt.rd, allowed); got != tt.want {
			t.Errorf("returnURL(%q) = %q, want %q", tt.rd, got, tt.want)
		}
	}
	// With no allowed hosts, only paths.
	if got := returnURL("https://app.example.com/x", nil); got != "/" {
		t.Errorf("returnURL to a host with none allowed = %q", got)
	}
}
