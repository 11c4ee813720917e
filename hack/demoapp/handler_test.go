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
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serve sends one request to the demo app and returns the recorded response and its body.
func serve(t *testing.T, method, target string, header http.Header, body io.Reader) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	for name, values := range header {
		req.Header[name] = values
	}
	rec := httptest.NewRecorder()
	Handler("acme").ServeHTTP(rec, req)
	res := rec.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the body of %s %s: %v", method, target, err)
	}
	return res, string(b)
}

func TestEveryPageRenders(t *testing.T) {
	tests := []struct {
		path, title string
		pii         bool
	}{
		{"/dashboard", "Dashboard", false},
		{"/settings", "Settings", false},
		{"/messages", "Messages", true},
		{"/contacts", "Contacts", true},
		{"/campaigns", "Campaigns", true},
		{"/inbox", "Inbox", true},
		{"/poll", "Poll", false},
	}
	if len(tests) != len(pages) {
		t.Fatalf("the test covers %d pages, the app has %d", len(tests), len(pages))
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := serve(t, http.MethodGet, tt.path, nil, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200; body:\n%s", res.StatusCode, body)
			}
			if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			want := []string{
				`<h1 id="page-title">` + tt.title + `</h1>`,
				`<table id="identity">`,
				`<form id="logout" class="logout" method="post" action="/.supportaccess/logout">`,
				`<a href="` + tt.path + `" aria-current="page">`,
				`<code id="app-account">acme</code>`,
				`<link rel="stylesheet" href="/assets/style.css">`,
			}
			for _, p := range pages {
				want = append(want, `<a href="`+p.Path+`"`)
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			if got := strings.Contains(body, `id="pii-notice"`); got != tt.pii {
				t.Errorf("personal-data notice shown: %v, want %v", got, tt.pii)
			}
		})
	}
}

func TestRootRedirectsToDashboard(t *testing.T) {
	res, _ := serve(t, http.MethodGet, "/", nil, nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/dashboard" {
		t.Fatalf("got %d to %q, want 302 to /dashboard", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestStatusOfOtherRequests(t *testing.T) {
	tests := []struct {
		name, method, target string
		want                 int
	}{
		{"unknown page", http.MethodGet, "/nope", http.StatusNotFound},
		{"below a page", http.MethodGet, "/messages/1", http.StatusNotFound},
		{"page with trailing slash", http.MethodGet, "/dashboard/", http.StatusNotFound},
		{"assets directory", http.MethodGet, "/assets/", http.StatusNotFound},
		{"missing asset", http.MethodGet, "/assets/missing.css", http.StatusNotFound},
		{"below the API", http.MethodGet, "/api/ping/x", http.StatusNotFound},
		{"HEAD of a page", http.MethodHead, "/dashboard", http.StatusOK},
		{"DELETE of a page", http.MethodDelete, "/dashboard", http.StatusMethodNotAllowed},
		{"POST to a read-only page", http.MethodPost, "/messages", http.StatusMethodNotAllowed},
		{"POST of the ping", http.MethodPost, "/api/ping", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := serve(t, tt.method, tt.target, nil, nil)
			if res.StatusCode != tt.want {
				t.Fatalf("%s %s: status %d, want %d; body:\n%s", tt.method, tt.target, res.StatusCode, tt.want, body)
			}
		})
	}
}

func TestPing(t *testing.T) {
	res, body := serve(t, http.MethodGet, "/api/ping", nil, nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.TrimSpace(body) != `{"ok":true}` {
		t.Fatalf("body %q", body)
	}
}

func TestSettingsFormPostsBack(t *testing.T) {
	header := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	res, _ := serve(t, http.MethodPost, "/settings", header, strings.NewReader("displayName=x&digest=on"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings?saved=1" {
		t.Fatalf("got %d to %q, want 303 to /settings?saved=1", res.StatusCode, res.Header.Get("Location"))
	}
	_, body := serve(t, http.MethodGet, "/settings?saved=1", nil, nil)
	if !strings.Contains(body, `id="saved"`) {
		t.Fatal("the page after saving does not say so")
	}
}

func TestAssets(t *testing.T) {
	tests := []struct{ path, contentType, contains string }{
		{"/assets/style.css", "text/css; charset=utf-8", "nav a"},
		{"/assets/poll.js", "text/javascript; charset=utf-8", `fetch("/api/ping"`},
		{"/assets/favicon.svg", "image/svg+xml", "<svg"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := serve(t, http.MethodGet, tt.path, nil, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if !strings.Contains(body, tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
		})
	}
}
