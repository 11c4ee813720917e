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

package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeAuth is an auth service with one account: a login issues a new token, and End kills every
// session, as a revocation does.
type fakeAuth struct {
	*httptest.Server
	email, password string
	expiresAt       time.Time

	mu       sync.Mutex
	issued   int
	live     map[string]bool
	sessions int // GET /v1/session calls
}

func newFakeAuth(t *testing.T) *fakeAuth {
	t.Helper()
	f := &fakeAuth{
		email: "support-a@support.invalid", password: "pw-Secret-123",
		expiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		live:      map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/login", f.login)
	mux.HandleFunc("GET /v1/session", f.session)
	mux.HandleFunc("POST /v1/logout", f.logout)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeAuth) login(w http.ResponseWriter, r *http.Request) {
	var req struct{ Email, Password string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Email != f.email || req.Password != f.password {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_credentials", "message": "invalid email or password, or access has ended"})
		return
	}
	f.mu.Lock()
	f.issued++
	token := fmt.Sprintf("sat_token-%d", f.issued)
	f.live[token] = true
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token": token, "tokenType": "Bearer", "expiresAt": f.expiresAt,
		"idleTimeoutSeconds": 1800, "accessLevel": "Limited", "account": "acme", "grant": "ticket-4711"})
}

// tokenOf answers 401 itself unless the request carries a live token.
func (f *fakeAuth) tokenOf(w http.ResponseWriter, r *http.Request) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	token := r.Header.Get("Authorization")[len("Bearer "):]
	if !f.live[token] {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "message": "the session has ended or the token is not valid; log in again"})
		return "", false
	}
	return token, true
}

func (f *fakeAuth) session(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.sessions++
	f.mu.Unlock()
	if _, ok := f.tokenOf(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"email": f.email, "expiresAt": f.expiresAt, "account": "acme"})
	}
}

func (f *fakeAuth) logout(w http.ResponseWriter, r *http.Request) {
	if token, ok := f.tokenOf(w, r); ok {
		f.mu.Lock()
		delete(f.live, token)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

// End kills every session.
func (f *fakeAuth) End() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.live = map[string]bool{}
}

func (f *fakeAuth) sessionChecks() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessions
}
