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
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// The stand-in auth service's sessions: cookie good is account acme, Limited; cookie partial is the
// same but answers only X-Supportaccess-User (the real auth service always sends all seven), to show
// that a header the answer lacks cannot be supplied by the client either.
const (
	sessionCookie  = "__Host-supportaccess"
	goodSession    = "good"
	partialSession = "partial"
	sessionAccount = "acme"
	stubLoginPage  = "stand-in login page"
	stubDenied     = "stand-in refusal"
)

// stubIdentity is what the stand-in answers for a good session.
var stubIdentity = map[string]string{
	"X-Supportaccess-User":         "supportaccess:acme:sag-1",
	"X-Supportaccess-Email":        "sag-1@support.invalid",
	"X-Supportaccess-Account":      "acme",
	"X-Supportaccess-Access-Level": "Limited",
	"X-Supportaccess-Grant":        "sag-1",
	"X-Supportaccess-Expires-At":   "2026-03-09T10:00:00Z",
	"Remote-User":                  "sag-1@support.invalid",
}

// authStub is a small stand-in for the auth service's browser side (docs/gateways.md), enough to test
// the gateway configurations, not the auth service: it reads the original request from one header
// set (mode "forwarded" for Caddy, "original" for nginx) and records every request it gets.
type authStub struct {
	mode string

	mu       sync.Mutex
	requests []recorded // in arrival order
}

// recorded is a request as the stand-in received it.
type recorded struct {
	Method     string
	RequestURI string
	Host       string
	Header     http.Header
	Body       string
}

func newAuthStub(t *testing.T, mode string) (*authStub, *httptest.Server) {
	a := &authStub{mode: mode}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv
}

func (a *authStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.requests = append(a.requests, recorded{r.Method, r.RequestURI, r.Host, r.Header.Clone(), string(body)})
	a.mu.Unlock()
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1/forward-auth/"):
		a.forwardAuth(w, r, strings.TrimPrefix(r.URL.Path, "/v1/forward-auth/"))
	case r.URL.Path == "/.supportaccess/login":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<p>%s, rd=%s</p>", stubLoginPage, html.EscapeString(r.URL.Query().Get("rd")))
	case r.URL.Path == "/.supportaccess/logout" && r.Method == http.MethodPost:
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true})
		http.Redirect(w, r, "/.supportaccess/login", http.StatusSeeOther)
	default:
		http.NotFound(w, r)
	}
}

// original returns the method and URI of the request the gateway is asking about.
func (a *authStub) original(r *http.Request) (method, uri string) {
	if a.mode == "original" {
		return r.Header.Get("X-Original-Method"), r.Header.Get("X-Original-URI")
	}
	return r.Header.Get("X-Forwarded-Method"), r.Header.Get("X-Forwarded-Uri")
}

func (a *authStub) forwardAuth(w http.ResponseWriter, r *http.Request, account string) {
	method, uri := a.original(r)
	if c, err := r.Cookie(sessionCookie); err == nil && (c.Value == goodSession || c.Value == partialSession) {
		switch {
		case account != sessionAccount:
			deny(w, "the session is for another account")
		case uri == "/messages" || strings.HasPrefix(uri, "/messages/") || strings.HasPrefix(uri, "/messages?"):
			deny(w, "this page needs Full access")
		case c.Value == partialSession:
			w.Header().Set("X-Supportaccess-User", stubIdentity["X-Supportaccess-User"])
			w.WriteHeader(http.StatusOK)
		default:
			for name, value := range stubIdentity {
				w.Header().Set(name, value)
			}
			w.WriteHeader(http.StatusOK)
		}
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	login := "/.supportaccess/login?rd=" + url.QueryEscape(uri)
	if a.mode == "original" {
		// nginx: auth_request passes only 2xx, 401 and 403; the login URL rides on the 401.
		w.Header().Set(loginURLHeader, login)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	status := http.StatusFound
	if method != http.MethodGet && method != http.MethodHead {
		status = http.StatusSeeOther
	}
	w.Header().Set("Location", login)
	w.WriteHeader(status)
}

func deny(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, "<p>%s: %s</p>", stubDenied, why)
}

// lastRequest returns the last request the stand-in received whose path starts with prefix.
func (a *authStub) lastRequest(t *testing.T, prefix string) recorded {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.requests) - 1; i >= 0; i-- {
		if strings.HasPrefix(a.requests[i].RequestURI, prefix) {
			return a.requests[i]
		}
	}
	t.Fatalf("the auth service received no request for %s*", prefix)
	return recorded{}
}
