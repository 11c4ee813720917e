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

package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// These tests run the real gateways with the configurations of this package in front of the demo
// app and a stand-in auth service: they test the configurations, not the auth service.

var (
	htmlAccept = http.Header{"Accept": {"text/html,application/xhtml+xml"}, "Sec-Fetch-Mode": {"navigate"}}
	fetchLike  = http.Header{"Accept": {"*/*"}, "Sec-Fetch-Mode": {"cors"}}
)

func TestGatewayRoutes(t *testing.T) {
	tests := []struct {
		name  string
		route int
		req   request
		// want is the status; wantLocation and wantBody (a substring) are checked when set.
		want         int
		wantLocation string
		wantBody     []string
		// reachesApp is whether the app sees the request; nil when it differs by gateway.
		reachesApp *bool
	}{
		{
			name: "signed in: the app gets the identity headers",
			req:  request{method: "GET", target: "/dashboard", header: withCookie(htmlAccept, goodSession)},
			want: http.StatusOK,
			wantBody: []string{
				`<h1 id="page-title">Dashboard</h1>`,
				`<td id="identity-x-supportaccess-user">supportaccess:acme:sag-1</td>`,
				`<td id="identity-x-supportaccess-email">sag-1@support.invalid</td>`,
				`<td id="identity-x-supportaccess-account">acme</td>`,
				`<td id="identity-x-supportaccess-access-level">Limited</td>`,
				`<td id="identity-x-supportaccess-grant">sag-1</td>`,
				`<td id="identity-x-supportaccess-expires-at">2026-03-09T10:00:00Z</td>`,
				`<td id="identity-remote-user">sag-1@support.invalid</td>`,
			},
			reachesApp: yes,
		},
		{
			name:       "signed in: a form post reaches the app",
			req:        request{method: "POST", target: "/settings", header: withCookie(htmlAccept, goodSession), body: "digest=on"},
			want:       http.StatusSeeOther,
			reachesApp: yes,
		},
		{
			name:         "no session, navigation: 302 to the login page, rd encoded",
			req:          request{method: "GET", target: "/messages?q=a%20b&x=1", header: htmlAccept},
			want:         http.StatusFound,
			wantLocation: "/.supportaccess/login?rd=" + url.QueryEscape("/messages?q=a%20b&x=1"),
			reachesApp:   no,
		},
		{
			name:         "no session, HEAD: 302 to the login page",
			req:          request{method: "HEAD", target: "/dashboard", header: htmlAccept},
			want:         http.StatusFound,
			wantLocation: "/.supportaccess/login?rd=%2Fdashboard",
			reachesApp:   no,
		},
		{
			name:         "no session, form post: 303 to the login page",
			req:          request{method: "POST", target: "/settings", header: htmlAccept, body: "digest=on"},
			want:         http.StatusSeeOther,
			wantLocation: "/.supportaccess/login?rd=%2Fsettings",
			reachesApp:   no,
		},
		{
			name:       "no session, background request: 401",
			req:        request{method: "GET", target: "/api/ping", header: fetchLike},
			want:       http.StatusUnauthorized,
			reachesApp: no,
		},
		{
			name:       "bad session: 401 without a login URL for an API client",
			req:        request{method: "GET", target: "/api/ping", header: withCookie(fetchLike, "expired")},
			want:       http.StatusUnauthorized,
			reachesApp: no,
		},
		{
			name:       "Limited session on a Full page: the auth service's 403 page",
			req:        request{method: "GET", target: "/messages", header: withCookie(htmlAccept, goodSession)},
			want:       http.StatusForbidden,
			wantBody:   []string{stubDenied + ": this page needs Full access"},
			reachesApp: no,
		},
		{
			name:       "Limited session posting to a Full page: the 403 page too",
			req:        request{method: "POST", target: "/messages/1", header: withCookie(htmlAccept, goodSession), body: "x=1"},
			want:       http.StatusForbidden,
			wantBody:   []string{stubDenied + ": this page needs Full access"},
			reachesApp: no,
		},
		{
			name:       "another account's route: the auth service's 403 page",
			route:      1,
			req:        request{method: "GET", target: "/dashboard", header: withCookie(htmlAccept, goodSession)},
			want:       http.StatusForbidden,
			wantBody:   []string{stubDenied + ": the session is for another account"},
			reachesApp: no,
		},
		{
			name:       "the login page reaches the auth service",
			req:        request{method: "GET", target: "/.supportaccess/login?rd=%2Fmessages", header: htmlAccept},
			want:       http.StatusOK,
			wantBody:   []string{stubLoginPage + ", rd=/messages"},
			reachesApp: no,
		},
		{
			name:         "logout reaches the auth service",
			req:          request{method: "POST", target: "/.supportaccess/logout", header: withCookie(htmlAccept, goodSession)},
			want:         http.StatusSeeOther,
			wantLocation: "/.supportaccess/login",
			reachesApp:   no,
		},
		{
			// nginx: an internal location; Caddy: an ordinary path of the app, checked.
			name: "the auth subrequest's location is not reachable",
			req:  request{method: "GET", target: "/_supportaccess_auth", header: withCookie(htmlAccept, goodSession)},
			want: http.StatusNotFound,
		},
	}
	for _, kind := range gatewayKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			r := startRig(t, kind)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					app := r.apps[tt.route]
					before := app.count()
					res, body := send(t, r.gw.URL(tt.route), tt.req)
					if res.StatusCode != tt.want {
						t.Fatalf("status %d, want %d; body:\n%s", res.StatusCode, tt.want, body)
					}
					if tt.wantLocation != "" && res.Header.Get("Location") != tt.wantLocation {
						t.Errorf("Location %q, want %q", res.Header.Get("Location"), tt.wantLocation)
					}
					for _, w := range tt.wantBody {
						if !strings.Contains(body, w) {
							t.Errorf("body lacks %s; body:\n%s", w, body)
						}
					}
					if tt.reachesApp != nil && (app.count() > before) != *tt.reachesApp {
						t.Errorf("reached the app: %v, want %v", app.count() > before, *tt.reachesApp)
					}
				})
			}
		})
	}
}

var (
	yes = func() *bool { b := true; return &b }()
	no  = func() *bool { b := false; return &b }()
)

// TestClientIdentityHeadersNeverReachTheApp sends forged identity headers, in every spelling, with
// a valid session: the app sees only the auth service's values, and nothing at all for a header the
// auth service's answer lacks.
func TestClientIdentityHeadersNeverReachTheApp(t *testing.T) {
	forged := http.Header{}
	for _, h := range identityHeaders {
		forged[h] = []string{"Full", "forged"}
		forged[strings.ToLower(h)] = []string{"forged"}
		forged[strings.ReplaceAll(h, "-", "_")] = []string{"Full"}
	}
	tests := []struct {
		name    string
		session string
		// want is what the app must see of each identity header; absent means none at all.
		want map[string]string
	}{
		{"the auth service sends all seven", goodSession, stubIdentity},
		{"the auth service sends only the user", partialSession, map[string]string{
			"X-Supportaccess-User": stubIdentity["X-Supportaccess-User"],
		}},
	}
	for _, kind := range gatewayKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			r := startRig(t, kind)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					res, body := send(t, r.gw.URL(0), request{method: "GET", target: "/dashboard",
						header: withCookie(forged, tt.session)})
					if res.StatusCode != http.StatusOK {
						t.Fatalf("status %d; body:\n%s", res.StatusCode, body)
					}
					got := r.apps[0].last(t).Header
					for name, values := range got {
						spelt := http.CanonicalHeaderKey(strings.ReplaceAll(name, "_", "-"))
						if !isIdentityHeader(spelt) {
							continue
						}
						want, sent := tt.want[name]
						if !sent || len(values) != 1 || values[0] != want {
							t.Errorf("the app got %s: %q; want only the auth service's %q", name, values, want)
						}
					}
					for name, want := range tt.want {
						if got.Get(name) != want {
							t.Errorf("the app got %s %q, want %q", name, got.Get(name), want)
						}
					}
				})
			}
		})
	}
}

func isIdentityHeader(name string) bool {
	for _, h := range identityHeaders {
		if h == name {
			return true
		}
	}
	return false
}
