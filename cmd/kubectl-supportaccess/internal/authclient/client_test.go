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

package authclient

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

const (
	testEmail    = "support-a@support.invalid"
	testPassword = "correct-horse-battery-staple"
	testToken    = "sat_valid"
)

// fakeAuth answers like the auth service: one valid password and one valid token.
func fakeAuth(t *testing.T) http.Handler {
	t.Helper()
	writeError := func(w http.ResponseWriter, status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/login", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "malformed_json", "bad")
			return
		}
		switch {
		case req["password"] == "throttle-me":
			w.Header().Set("Retry-After", "42")
			writeError(w, http.StatusTooManyRequests, "too_many_attempts", "too many failed logins; retry later")
		case req["email"] != testEmail || req["password"] != testPassword:
			writeError(w, http.StatusUnauthorized, "invalid_credentials", "invalid email or password, or access has ended")
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(Login{Token: testToken, TokenType: "Bearer", ExpiresAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
				IdleTimeoutSeconds: 1800, AccessLevel: "Limited", Account: "acme", Grant: "ticket-4711"})
		}
	})
	mux.HandleFunc("GET /v1/session", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			writeError(w, http.StatusUnauthorized, "invalid_token", "the session has ended or the token is not valid; log in again")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Session{Email: testEmail, Account: "acme", ExpiresAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	})
	mux.HandleFunc("POST /v1/logout", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			writeError(w, http.StatusUnauthorized, "invalid_token", "the session has ended")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/redirect/v1/login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v1/login", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/html/v1/login", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>bad gateway</html>"))
	})
	return mux
}

func TestLoginSessionLogout(t *testing.T) {
	g := NewWithT(t)
	srv := httptest.NewServer(fakeAuth(t))
	defer srv.Close()
	c, err := New(Options{Server: srv.URL})
	g.Expect(err).NotTo(HaveOccurred())

	login, err := c.Login(t.Context(), testEmail, testPassword)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(login.Token).To(Equal(testToken))
	g.Expect(login.Account).To(Equal("acme"))

	s, err := c.Session(t.Context(), login.Token)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(s.Email).To(Equal(testEmail))

	g.Expect(c.Logout(t.Context(), login.Token)).To(Succeed())
}

func TestErrors(t *testing.T) {
	g := NewWithT(t)
	srv := httptest.NewServer(fakeAuth(t))
	defer srv.Close()
	c, err := New(Options{Server: srv.URL})
	g.Expect(err).NotTo(HaveOccurred())

	_, err = c.Login(t.Context(), testEmail, "wrong-password")
	g.Expect(IsUnauthorized(err)).To(BeTrue())
	g.Expect(err).To(MatchError(ContainSubstring("invalid email or password, or access has ended (HTTP 401)")))
	g.Expect(err.Error()).NotTo(ContainSubstring("wrong-password"))

	_, err = c.Session(t.Context(), "sat_dead")
	g.Expect(IsUnauthorized(err)).To(BeTrue())
	g.Expect(err.Error()).NotTo(ContainSubstring("sat_dead"))

	_, err = c.Login(t.Context(), testEmail, "throttle-me")
	g.Expect(IsUnauthorized(err)).To(BeFalse())
	g.Expect(err).To(MatchError(ContainSubstring("too many failed attempts; retry in 42s")))

	html, err := New(Options{Server: srv.URL + "/html"})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = html.Login(t.Context(), testEmail, testPassword)
	g.Expect(err).To(MatchError(ContainSubstring("unexpected HTTP 502 (is --server the auth service?)")))
	g.Expect(err.Error()).NotTo(ContainSubstring("<html>"))
}

// A redirect is not followed: the password is sent only to the server the user named.
func TestRedirectNotFollowed(t *testing.T) {
	g := NewWithT(t)
	srv := httptest.NewServer(fakeAuth(t))
	defer srv.Close()
	c, err := New(Options{Server: srv.URL + "/redirect"})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = c.Login(t.Context(), testEmail, testPassword)
	g.Expect(err).To(MatchError(ContainSubstring("unexpected HTTP 307")))
}

func TestUnreachable(t *testing.T) {
	g := NewWithT(t)
	srv := httptest.NewServer(fakeAuth(t))
	url := srv.URL
	srv.Close()
	c, err := New(Options{Server: url})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = c.Session(t.Context(), testToken)
	g.Expect(err).To(MatchError(ContainSubstring("cannot reach the auth service at " + url)))
	g.Expect(IsUnauthorized(err)).To(BeFalse())
}

func TestTLS(t *testing.T) {
	g := NewWithT(t)
	srv := httptest.NewTLSServer(fakeAuth(t))
	defer srv.Close()

	// The system's roots do not know httptest's CA.
	c, err := New(Options{Server: srv.URL})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = c.Login(t.Context(), testEmail, testPassword)
	g.Expect(err).To(MatchError(ContainSubstring("certificate")))

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	g.Expect(os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)).To(Succeed())
	c, err = New(Options{Server: srv.URL, CAFile: caFile})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = c.Login(t.Context(), testEmail, testPassword)
	g.Expect(err).NotTo(HaveOccurred())

	c, err = New(Options{Server: srv.URL, InsecureSkipTLSVerify: true})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = c.Login(t.Context(), testEmail, testPassword)
	g.Expect(err).NotTo(HaveOccurred())

	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	g.Expect(os.WriteFile(notPEM, []byte("hello"), 0o600)).To(Succeed())
	_, err = New(Options{Server: srv.URL, CAFile: notPEM})
	g.Expect(err).To(MatchError(ContainSubstring("holds no PEM certificate")))
	_, err = New(Options{Server: srv.URL, CAFile: filepath.Join(t.TempDir(), "missing.pem")})
	g.Expect(err).To(MatchError(ContainSubstring("read --certificate-authority")))
}
