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

	"github.com/supportaccess/support-access-operator/internal/authapi"

	corev1 "k8s.io/api/core/v1"

	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/policy"
	"github.com/supportaccess/support-access-operator/internal/session"
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

// dummyHash is compared against when the email is unknown, so an unknown email and a wrong
// password cost the same time (no account enumeration by timing).
var dummyHash = credentials.HashPassword([]byte("no such account: compare anyway"))

// handleLogin implements POST /v1/login (docs/auth-service.md#support-staff-log-in).
func (a *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !requireMethod(w, r, http.MethodPost) {
		return
	}
	var req authapi.LoginRequest
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
	out := a.login(r, req.Email, req.Password, session.KindAPI)
	switch out.result {
	case loginThrottled:
		w.Header().Set("Retry-After", retryAfterSeconds(out.wait))
		writeError(w, http.StatusTooManyRequests, "too_many_attempts", "too many failed logins; retry later")
	case loginInvalid:
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "invalid email or password, or access has ended")
	case loginUnavailable:
		writeError(w, http.StatusServiceUnavailable, "unavailable", "cannot create a session right now; retry")
	default:
		writeJSON(w, http.StatusOK, authapi.LoginResponse{
			Token:              out.token,
			TokenType:          "Bearer",
			ExpiresAt:          out.expiresAt.UTC(),
			IdleTimeoutSeconds: int64(out.settings.InactivityTimeout / time.Second),
			AccessLevel:        string(out.grant.AccessLevel),
			Account:            out.grant.Namespace,
			Grant:              out.grant.Name,
		})
	}
}

// loginResult is how a login ended; the answer's form is the caller's (JSON or the login page).
type loginResult int

const (
	loginOK loginResult = iota
	loginInvalid
	loginThrottled
	loginUnavailable
)

// loginOutcome is a login's result and, on success, the new session.
type loginOutcome struct {
	result    loginResult
	wait      time.Duration // loginThrottled: the Retry-After
	token     string
	grant     *grantState
	settings  policy.Settings
	expiresAt time.Time
}

// login checks email and password at the throttles and creates a session of kind: the one path of
// POST /v1/login and the login page (docs/reference.md#auth-endpoints), so both have the same
// checks, limits and events. The caller has bounded both fields' lengths.
func (a *Service) login(r *http.Request, rawEmail, password string, kind session.Kind) loginOutcome {
	email := strings.ToLower(strings.TrimSpace(rawEmail))
	client := clientAddress(r, a.trustedProxies)
	emailKey, addrKey := email, throttleKey(client)

	// An address that failed too often is refused outright. A throttled email is refused too,
	// unless the right password comes from an address in good standing: whoever floods one email
	// with wrong passwords must not lock its support user out.
	okAddr, waitAddr := a.addresses.Allow(addrKey)
	if !okAddr {
		return a.throttled(waitAddr)
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
	match := hash.Matches([]byte(password))
	if !known || !match || !g.usable(now) {
		if !okEmail {
			a.addresses.Failure(addrKey)
			return a.throttled(waitEmail)
		}
		a.loginFailed(client, g, known, emailKey, addrKey)
		return loginOutcome{result: loginInvalid}
	}

	// Successful logins are rate-limited per grant too: each one is a Lease written to the API.
	grantKey := g.Namespace + "/" + g.Name
	if ok, wait := a.grantLogins.Allow(grantKey); !ok {
		return a.throttled(wait)
	}
	token, sess, err := a.sessions.Create(r.Context(), g.grant, g.LoginEmail, g.IssuedAt, kind)
	if err != nil {
		a.log.Error(err, "Cannot create session", "namespace", g.Namespace, "grant", g.Name)
		a.metrics.login("error")
		return loginOutcome{result: loginUnavailable}
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
		"Support user %s logged in (%s session) from %s", g.LoginEmail, kind, client)
	a.log.Info("Support user logged in", "namespace", g.Namespace, "grant", g.Name, "email", g.LoginEmail,
		"kind", kind.String(), "client", client)
	return loginOutcome{result: loginOK, token: token, grant: g, settings: settings, expiresAt: expiresAt}
}

func (a *Service) throttled(wait time.Duration) loginOutcome {
	a.metrics.login("throttled")
	return loginOutcome{result: loginThrottled, wait: wait}
}

// loginFailed counts a failed login against the email and address (every one is answered alike).
func (a *Service) loginFailed(client string, g *grantState, known bool, emailKey, addrKey string) {
	failures := a.emails.Failure(emailKey)
	a.addresses.Failure(addrKey)
	a.metrics.login("invalid")
	if known && failures == failureBurst {
		a.recorder.Eventf(g.grant, nil, corev1.EventTypeWarning, "LoginFailures", "Login",
			"%d failed logins for %s; the latest from %s", failures, g.LoginEmail, client)
	}
}
