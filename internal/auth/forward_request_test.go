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
	"net/http/httptest"
	"testing"
)

// Each mode reads its own header set only: a client's copies of another set's headers, which the
// gateway passes through, are never merged in
// (docs/gateways.md#the-original-request---forward-auth-headers).
func TestParseOriginalRequest(t *testing.T) {
	// What a client adds of its own to every request below, through the gateway.
	spoofs := map[string]string{
		"X-Original-URI": "/dashboard", "X-Original-Method": "GET",
		"X-Forwarded-Uri": "/dashboard", "X-Forwarded-Method": "GET",
	}
	tests := []struct {
		name       string
		mode       ForwardHeaders
		target     string
		set        map[string]string // what the gateway sets (overriding the client's copies)
		wantErr    bool
		wantMethod string
		wantURI    string
	}{
		{name: "Caddy", mode: ForwardHeadersForwarded, target: "/v1/forward-auth/acme",
			set:        map[string]string{"X-Forwarded-Uri": "/messages?x=1", "X-Forwarded-Method": "POST"},
			wantMethod: "POST", wantURI: "/messages?x=1"},
		{name: "nginx", mode: ForwardHeadersOriginal, target: "/v1/forward-auth/acme",
			set:        map[string]string{"X-Original-URI": "/messages", "X-Original-Method": "DELETE"},
			wantMethod: "DELETE", wantURI: "/messages"},
		{name: "Envoy", mode: ForwardHeadersPath, target: "/v1/forward-auth/acme/messages/1?x=%20",
			wantMethod: "GET", wantURI: "/messages/1?x=%20"},
		{name: "Envoy, the root page", mode: ForwardHeadersPath, target: "/v1/forward-auth/acme/", wantMethod: "GET", wantURI: "/"},
		{name: "Envoy keeps a non-canonical path raw", mode: ForwardHeadersPath, target: "/v1/forward-auth/acme/a/../messages",
			wantMethod: "GET", wantURI: "/a/../messages"},
		{name: "Envoy without a path", mode: ForwardHeadersPath, target: "/v1/forward-auth/acme", wantErr: true},
		{name: "Caddy's auth URL with a query of its own", mode: ForwardHeadersForwarded, target: "/v1/forward-auth/acme?x=1",
			set: map[string]string{"X-Forwarded-Uri": "/", "X-Forwarded-Method": "GET"}, wantMethod: "GET", wantURI: "/"},
		{name: "no account", mode: ForwardHeadersForwarded, target: "/v1/forward-auth/",
			set: map[string]string{"X-Forwarded-Uri": "/", "X-Forwarded-Method": "GET"}, wantErr: true},
		{name: "an account that is no namespace name", mode: ForwardHeadersForwarded, target: "/v1/forward-auth/ac%6De",
			set: map[string]string{"X-Forwarded-Uri": "/", "X-Forwarded-Method": "GET"}, wantErr: true},
		{name: "forwarded mode without its URI", mode: ForwardHeadersForwarded, target: "/v1/forward-auth/acme",
			set: map[string]string{"X-Forwarded-Uri": "", "X-Forwarded-Method": "GET"}, wantErr: true},
		{name: "original mode without its method", mode: ForwardHeadersOriginal, target: "/v1/forward-auth/acme",
			set: map[string]string{"X-Original-URI": "/messages", "X-Original-Method": ""}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.target, nil)
			for k, v := range spoofs {
				r.Header.Set(k, v)
			}
			for k, v := range tt.set {
				if v == "" {
					r.Header.Del(k)
				} else {
					r.Header.Set(k, v)
				}
			}
			if tt.mode == ForwardHeadersPath {
				// Envoy sets neither set: whatever the client sent of them stays, and is ignored.
				r.Header.Set("X-Forwarded-Uri", "/dashboard")
			}
			got, err := parseOriginalRequest(r, tt.mode)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.account != "acme" || got.method != tt.wantMethod || got.uri != tt.wantURI {
				t.Errorf("got %+v, want acme %s %s", got, tt.wantMethod, tt.wantURI)
			}
		})
	}
}

func TestParseForwardHeaders(t *testing.T) {
	for _, ok := range []string{"forwarded", "original", "path"} {
		if _, err := ParseForwardHeaders(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Forwarded", "all", "forwarded,original"} {
		if _, err := ParseForwardHeaders(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
