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
	"net/http"
	"strings"
	"time"

	"github.com/supportaccess/support-access-operator/internal/authapi"

	corev1 "k8s.io/api/core/v1"

	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// authenticate checks the request's bearer token, answering 401 itself when it is not valid.
func (a *Service) authenticate(w http.ResponseWriter, r *http.Request, endpoint string) (Identity, bool) {
	token, ok := bearerToken(r)
	if !ok {
		a.metrics.check(endpoint, resultMalformed, 0)
		w.Header().Set("WWW-Authenticate", `Bearer realm="supportaccess"`)
		writeError(w, http.StatusUnauthorized, "missing_token", "send the session token as 'Authorization: Bearer <token>'")
		return Identity{}, false
	}
	start := time.Now()
	id, result := a.check(token, session.KindAPI, a.clock.Now(), true)
	a.metrics.check(endpoint, result, time.Since(start))
	if result != resultValid {
		w.Header().Set("WWW-Authenticate", `Bearer realm="supportaccess", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid_token", "the session has ended or the token is not valid; log in again")
		return Identity{}, false
	}
	return id, true
}

// handleSession implements GET /v1/session: who the token belongs to. HTTP gateways use it as
// their auth check (e.g. nginx auth_request); the X-Supportaccess-* headers carry the answer.
func (a *Service) handleSession(w http.ResponseWriter, r *http.Request) {
	if !requireMethod(w, r, http.MethodGet) {
		return
	}
	id, ok := a.authenticate(w, r, "session")
	if !ok {
		return
	}
	g := id.Grant
	username := identity.Username(g.LoginEmail)
	groups := identity.Groups(g.AccessLevel, g.Namespace)
	w.Header().Set("X-Supportaccess-User", username)
	w.Header().Set("X-Supportaccess-Groups", strings.Join(groups, ","))
	w.Header().Set("X-Supportaccess-Access-Level", string(g.AccessLevel))
	w.Header().Set("X-Supportaccess-Account", g.Namespace)
	writeJSON(w, http.StatusOK, authapi.SessionResponse{
		Username:           username,
		Groups:             groups,
		Extra:              identity.Extra(g.Name, g.Namespace, g.WindowEnd),
		Email:              g.LoginEmail,
		AccessLevel:        string(g.AccessLevel),
		Account:            g.Namespace,
		Grant:              g.Name,
		ExpiresAt:          id.ExpiresAt.UTC(),
		IdleTimeoutSeconds: int64(id.Settings.InactivityTimeout / time.Second),
		LoggedInAt:         id.Session.CreatedAt.UTC(),
	})
}

// handleLogout implements POST /v1/logout: the token is dead at once here, and on every replica
// as soon as the Lease's deletion reaches them.
func (a *Service) handleLogout(w http.ResponseWriter, r *http.Request) {
	if !requireMethod(w, r, http.MethodPost) {
		return
	}
	id, ok := a.authenticate(w, r, "logout")
	if !ok {
		return
	}
	if err := a.sessions.Delete(r.Context(), id.Session); err != nil {
		// Already refused on this replica; the janitor or a retry removes the Lease.
		a.log.Error(err, "Cannot delete session Lease", "namespace", id.Session.Namespace, "grant", id.Session.Grant)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "logout recorded here but not yet everywhere; retry")
		return
	}
	a.recorder.Eventf(id.Grant.grant, nil, corev1.EventTypeNormal, "Logout", "Logout", "Support user %s logged out", id.Grant.LoginEmail)
	w.WriteHeader(http.StatusNoContent)
}
