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
	"fmt"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/supportaccess/support-access-operator/internal/credentials"
)

const (
	// failureBurst is the number of failed logins for one grant's email, within the limiter's
	// window, that raises a LoginFailures warning event on the grant (once per burst).
	failureBurst = 5
	// maxEmailLength bounds the email accepted (RFC 5321's path limit).
	maxEmailLength = 254
	// maxPasswordLength bounds the password accepted; issued ones are much shorter.
	maxPasswordLength = 256
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token              string    `json:"token"`
	TokenType          string    `json:"tokenType"`
	ExpiresAt          time.Time `json:"expiresAt"`
	IdleTimeoutSeconds int64     `json:"idleTimeoutSeconds"`
	AccessLevel        string    `json:"accessLevel"`
	Account            string    `json:"account"`
	Grant              string    `json:"grant"`
}

// dummyHash is compared against when the email is unknown, so an unknown email and a wrong
// password cost the same time (no account enumeration by timing).
var dummyHash = credentials.HashPassword([]byte("no such account: compare anyway"))

// handleLogin implements POST /v1/login (SPEC §5.1).
func (a *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !requireMethod(w, r, http.MethodPost) {
		return
	}
	var req loginRequest
	if !decodeJSON(w, r, &req, true) {
		a.metrics.login("bad_request")
		return
	}
	if req.Email == "" || req.Password == "" {
		a.metrics.login("bad_request")
		writeError(w, http.StatusBadRequest, "missing_field", "both email and password are required")
		return
	}
	if len(req.Email) > maxEmailLength || len(req.Password) > maxPasswordLength {
		a.metrics.login("bad_request")
		writeError(w, http.StatusBadRequest, "field_too_long",
			fmt.Sprintf("email is at most %d characters and password at most %d", maxEmailLength, maxPasswordLength))
		return
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	client := clientAddress(r, a.trustedProxies)
	emailKey, addrKey := email, throttleKey(client)

	// An address that failed too often is refused outright. A throttled email is refused too,
	// unless the right password comes from an address in good standing: whoever floods one email
	// with wrong passwords must not lock its support user out.
	okAddr, waitAddr := a.addresses.Allow(addrKey)
	if !okAddr {
		a.throttled(w, waitAddr)
		return
	}
	okEmail, waitEmail := a.emails.Allow(emailKey)

	now := a.clock.Now()
	g, known := a.index.grantByEmail(email)
	hash := dummyHash
	if known {
		if h, ok := a.index.passwordHash(g); ok {
			hash = h
		} else {
			known = false
		}
	}
	// Always one digest and one constant-time comparison, whatever was wrong.
	match := hash.Matches([]byte(req.Password))
	if !known || !match || !g.usable(now) {
		if !okEmail {
			a.addresses.Failure(addrKey)
			a.throttled(w, waitEmail)
			return
		}
		a.loginFailed(w, client, g, known, emailKey, addrKey)
		return
	}

	// Successful logins are rate-limited per grant too: each one is a Lease written to the API.
	grantKey := g.Namespace + "/" + g.Name
	if ok, wait := a.grantLogins.Allow(grantKey); !ok {
		a.throttled(w, wait)
		return
	}
	token, sess, err := a.sessions.Create(r.Context(), g.grant, g.LoginEmail, g.IssuedAt)
	if err != nil {
		a.log.Error(err, "Cannot create session", "namespace", g.Namespace, "grant", g.Name)
		a.metrics.login("error")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "cannot create a session right now; retry")
		return
	}
	a.grantLogins.Failure(grantKey) // counts this success against the grant's login rate
	a.endOldestSessions(r.Context(), g, now)
	a.emails.Success(emailKey)
	a.metrics.login("success")
	settings := a.index.settings(g.Namespace)
	expiresAt := g.WindowEnd
	if end := sess.CreatedAt.Add(settings.MaxSessionLifetime); end.Before(expiresAt) {
		expiresAt = end
	}
	a.recorder.Eventf(g.grant, nil, corev1.EventTypeNormal, "Login", "Login",
		"Support user %s logged in from %s", g.LoginEmail, client)
	a.log.Info("Support user logged in", "namespace", g.Namespace, "grant", g.Name, "email", g.LoginEmail, "client", client)
	writeJSON(w, http.StatusOK, loginResponse{
		Token:              token,
		TokenType:          "Bearer",
		ExpiresAt:          expiresAt.UTC(),
		IdleTimeoutSeconds: int64(settings.InactivityTimeout / time.Second),
		AccessLevel:        string(g.AccessLevel),
		Account:            g.Namespace,
		Grant:              g.Name,
	})
}

func (a *Service) throttled(w http.ResponseWriter, wait time.Duration) {
	a.metrics.login("throttled")
	w.Header().Set("Retry-After", retryAfterSeconds(wait))
	writeError(w, http.StatusTooManyRequests, "too_many_attempts", "too many failed logins; retry later")
}

// loginFailed answers every failed login identically and counts it against the email and address.
func (a *Service) loginFailed(w http.ResponseWriter, client string, g *grantState, known bool, emailKey, addrKey string) {
	failures := a.emails.Failure(emailKey)
	a.addresses.Failure(addrKey)
	a.metrics.login("invalid")
	if known && failures == failureBurst {
		a.recorder.Eventf(g.grant, nil, corev1.EventTypeWarning, "LoginFailures", "Login",
			"%d failed logins for %s; the latest from %s", failures, g.LoginEmail, client)
	}
	writeError(w, http.StatusUnauthorized, "invalid_credentials", "invalid email or password, or access has ended")
}
