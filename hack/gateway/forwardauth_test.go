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
	"strings"
	"testing"
)

// TestWhatTheAuthServiceReceives pins down the forward-auth request each gateway sends, which is
// the auth service's contract with it
// (docs/gateways.md#the-original-request---forward-auth-headers): a GET without body to
// /v1/forward-auth/<account> without the client's query, the original method and URI in the
// gateway's header set only, the client's own headers (cookie, Accept, Sec-Fetch-Mode) as they
// were, and the gateway's view of client address, host and scheme instead of the client's claims.
func TestWhatTheAuthServiceReceives(t *testing.T) {
	spoofed := http.Header{
		"Accept":             {"text/html"},
		"Sec-Fetch-Mode":     {"navigate"},
		"Sec-Fetch-Site":     {"same-origin"},
		"Content-Type":       {"application/x-www-form-urlencoded"},
		"X-Forwarded-For":    {"203.0.113.9"},
		"X-Forwarded-Host":   {"evil.example"},
		"X-Forwarded-Proto":  {"https"},
		"X-Forwarded-Method": {"DELETE"},
		"X-Forwarded-Uri":    {"/spoofed"},
		"X-Original-Method":  {"DELETE"},
		"X-Original-Uri":     {"/spoofed"},
	}
	for _, kind := range gatewayKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			r := startRig(t, kind)
			res, body := send(t, r.gw.URL(0), request{method: "POST", target: "/settings?tab=a%2Fb",
				header: withCookie(spoofed, goodSession), body: "digest=on"})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want the app's 303; body:\n%s", res.StatusCode, body)
			}
			got := r.auth.lastRequest(t, "/v1/forward-auth/")
			host := strings.TrimPrefix(r.gw.URL(0), "http://")
			// The original request, in the gateway's header set; the other set is absent.
			original := map[string]map[string]string{
				"forwarded": {
					"X-Forwarded-Method": "POST", "X-Forwarded-Uri": "/settings?tab=a%2Fb",
					"X-Original-Method": "", "X-Original-Uri": "",
				},
				"original": {
					"X-Original-Method": "POST", "X-Original-Uri": "/settings?tab=a%2Fb",
					"X-Forwarded-Method": "", "X-Forwarded-Uri": "",
				},
			}[kind.mode]
			want := map[string]string{
				"Cookie":            sessionCookie + "=" + goodSession,
				"Accept":            "text/html",
				"Sec-Fetch-Mode":    "navigate",
				"Sec-Fetch-Site":    "same-origin",
				"X-Forwarded-For":   "127.0.0.1",
				"X-Forwarded-Host":  host,
				"X-Forwarded-Proto": "http",
				"Content-Length":    "",
			}
			for name, value := range original {
				want[name] = value
			}
			if got.Method != http.MethodGet || got.RequestURI != "/v1/forward-auth/acme" || got.Body != "" {
				t.Errorf("auth request %s %s with body %q, want GET /v1/forward-auth/acme without body",
					got.Method, got.RequestURI, got.Body)
			}
			if got.Host != host {
				t.Errorf("Host %q, want the client's %q", got.Host, host)
			}
			for name, value := range want {
				if g := strings.Join(got.Header.Values(name), ", "); g != value {
					t.Errorf("%s: %q, want %q", name, g, value)
				}
			}
			t.Logf("%s sends the auth service: %s %s\n%v", kind.name, got.Method, got.RequestURI, got.Header)
		})
	}
}

// TestOriginalURIIsPassedUnchanged sends non-canonical request targets with a valid session: the
// auth service (in the original-URI header) and the app (as its request URI) see the same bytes,
// because the auth service's canonical-path check (docs/gateways.md#forward-auth-answers: 400 for
// dot segments, encoded characters, doubled slashes, ";") only protects an app that reads the same
// path it checked.
func TestOriginalURIIsPassedUnchanged(t *testing.T) {
	targets := []string{
		"/dashboard",
		"/dashboard/../messages",
		"/dashboard/./settings",
		"/dashboard/%2e%2e/messages",
		"/dashboard/..%2Fmessages",
		"//messages",
		"/messages;x=1",
		"/%6Dessages",
		"/DASHBOARD",
		"/.supportaccess/../messages",
		"/dashboard?rd=%2F%2Fevil.example&x=%00",
	}
	for _, kind := range gatewayKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			r := startRig(t, kind)
			header := map[string]string{"forwarded": "X-Forwarded-Uri", "original": "X-Original-Uri"}[kind.mode]
			for _, target := range targets {
				t.Run(target, func(t *testing.T) {
					before := r.apps[0].count()
					res, body := send(t, r.gw.URL(0), request{method: "GET", target: target, header: withCookie(nil, goodSession)})
					if res.StatusCode >= 500 {
						t.Fatalf("status %d; body:\n%s", res.StatusCode, body)
					}
					if got := r.auth.lastRequest(t, "/v1/forward-auth/").Header.Get(header); got != target {
						t.Errorf("the auth service was asked about %q, want %q", got, target)
					}
					if r.apps[0].count() > before {
						if got := r.apps[0].last(t).RequestURI; got != target {
							t.Errorf("the app was asked for %q, want %q", got, target)
						}
					}
				})
			}
		})
	}
}

// TestNginxTurnsAnAuthRedirectInto500 is why the nginx configuration needs the login URL on a 401:
// auth_request accepts only 2xx, 401 and 403 from the check, and a redirect (what the auth service
// answers a browser behind Caddy) becomes nginx's 500.
func TestNginxTurnsAnAuthRedirectInto500(t *testing.T) {
	nginx := gatewayKinds[1]
	nginx.mode = "forwarded" // the stand-in answers 302 instead of 401 with the login URL
	r := startRig(t, nginx)
	res, body := send(t, r.gw.URL(0), request{method: "GET", target: "/dashboard", header: htmlAccept})
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want nginx's 500 for an auth redirect; body:\n%s", res.StatusCode, body)
	}
}

// TestLocalhostSubdomains shows that a route also answers as <name>.localhost, which browsers treat
// as loopback and as a secure context: routes of different accounts then keep separate cookies,
// since cookies ignore the port.
func TestLocalhostSubdomains(t *testing.T) {
	for _, kind := range gatewayKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			r := startRig(t, kind)
			base := strings.Replace(r.gw.URL(0), "localhost", "acme.localhost", 1)
			res, body := send(t, base, request{method: "GET", target: "/dashboard", header: withCookie(htmlAccept, goodSession)})
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `<td id="identity-x-supportaccess-account">acme</td>`) {
				t.Fatalf("status %d through %s; body:\n%s", res.StatusCode, base, body)
			}
		})
	}
}
