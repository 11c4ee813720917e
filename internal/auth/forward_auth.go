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

	"k8s.io/apimachinery/pkg/types"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/internal/pagerules"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// The identity headers of an allowed request (docs/gateways.md#identity-headers). All are always
// sent, empty when unset: a gateway that copies only what it receives then replaces whatever the
// client sent.
const (
	HeaderUser        = "X-Supportaccess-User"
	HeaderEmail       = "X-Supportaccess-Email"
	HeaderAccount     = "X-Supportaccess-Account"
	HeaderAccessLevel = "X-Supportaccess-Access-Level"
	HeaderGrant       = "X-Supportaccess-Grant"
	HeaderExpiresAt   = "X-Supportaccess-Expires-At"
	HeaderRemoteUser  = "Remote-User"
	// HeaderLoginURL, on a 401, is where a gateway that cannot follow a redirect of the auth
	// answer (nginx auth_request) sends the browser: the login page returning to the original URI.
	HeaderLoginURL = "X-Supportaccess-Login-Url"
)

// identityHeaders are a grant's header values for an allowed request, built once per version of
// the grant (grantState.forwardHeaders): the hot path assigns them without formatting anything.
type identityHeaders struct {
	user, email, account, level, grant, expiresAt, remoteUser []string
}

func newIdentityHeaders(g *grantState) *identityHeaders {
	return &identityHeaders{
		user:       []string{identity.Username(g.LoginEmail)},
		email:      []string{g.LoginEmail},
		account:    []string{g.Namespace},
		level:      []string{string(g.AccessLevel)},
		grant:      []string{g.Name},
		expiresAt:  []string{g.WindowEnd.UTC().Format(time.RFC3339)},
		remoteUser: []string{g.LoginEmail},
	}
}

var (
	emptyHeader         = []string{""}
	identityHeaderNames = [...]string{HeaderUser, HeaderEmail, HeaderAccount, HeaderAccessLevel, HeaderGrant, HeaderExpiresAt, HeaderRemoteUser}
)

// set writes every identity header; a nil receiver writes them all empty.
func (ih *identityHeaders) set(hdr http.Header) {
	if ih == nil {
		for _, k := range identityHeaderNames {
			hdr[k] = emptyHeader
		}
		return
	}
	hdr[HeaderUser] = ih.user
	hdr[HeaderEmail] = ih.email
	hdr[HeaderAccount] = ih.account
	hdr[HeaderAccessLevel] = ih.level
	hdr[HeaderGrant] = ih.grant
	hdr[HeaderExpiresAt] = ih.expiresAt
	hdr[HeaderRemoteUser] = ih.remoteUser
}

// handleForwardAuth implements /v1/forward-auth/<account> for gateways
// (docs/gateways.md#forward-auth-answers): is this request, on this account's route, allowed, and
// as whom? Every answer is live, from the same in-memory state as /tokenreview: no API call, no
// answer cache.
func (a *Service) handleForwardAuth(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	hdr := w.Header()
	hdr["Cache-Control"] = cacheNoStore
	// Whatever the answer, the identity headers are there: empty unless allowed. Each is written
	// once (a refusal writes them empty, first thing): a header map past 8 entries grows on every
	// further assignment, even of a key it holds.
	refused := func() { (*identityHeaders)(nil).set(hdr) }

	orig, err := parseOriginalRequest(r, a.forwardHeaders)
	if err != nil {
		refused()
		a.metrics.check("forward_auth", resultMalformed, time.Since(start))
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	path, err := pagerules.CanonicalPath(orig.uri)
	if err != nil {
		refused()
		a.metrics.check("forward_auth", resultMalformed, time.Since(start))
		http.Error(w, "the request path is not canonical: "+err.Error(), http.StatusBadRequest)
		return
	}

	id, result, kind, token := a.forwardSession(r, orig)
	if result != resultValid {
		refused()
		a.metrics.check("forward_auth", result, time.Since(start))
		a.forwardLogin(w, r, orig, result, kind, token)
		return
	}
	g := id.Grant
	if g.Namespace != orig.account {
		refused()
		a.metrics.check("forward_auth", "other_account", time.Since(start))
		a.forbidden(w, "This support access is for another account",
			"You are logged in with support access to a different account. Log out, then log in with this account's credentials.")
		return
	}
	if need := a.pageRules.Current().Required(orig.method, path); need == pagerules.Full && g.AccessLevel != supportaccessv1alpha1.AccessLevelFull {
		refused()
		a.metrics.check("forward_auth", "limited", time.Since(start))
		a.forbidden(w, "This page needs Full access",
			"This page holds personal data (such as message history, contacts, campaigns or the inbox). Your support access is Limited, which excludes it. Ask the account admin for Full access if you need it.")
		return
	}
	g.forwardHeaders().set(hdr)
	w.WriteHeader(http.StatusOK)
	a.metrics.check("forward_auth", resultValid, time.Since(start))
}

// forwardSession checks the request's session: a Bearer header holds an API session, the cookie a
// browser one. A browser session's inactivity clock moves only on a top-level navigation or a
// state-changing request (docs/reference.md#browser-sessions): a tab that polls in the background
// still idles out.
func (a *Service) forwardSession(r *http.Request, orig originalRequest) (Identity, string, session.Kind, string) {
	now := a.clock.Now()
	if token, ok := bearerToken(r); ok {
		id, result := a.check(token, session.KindAPI, now, true)
		return id, result, session.KindAPI, token
	}
	token, ok := cookieToken(r)
	if !ok {
		return Identity{}, resultUnknown, session.KindBrowser, ""
	}
	activity := r.Header.Get("Sec-Fetch-Mode") == "navigate" || (orig.method != http.MethodGet && orig.method != http.MethodHead)
	id, result := a.check(token, session.KindBrowser, now, activity)
	return id, result, session.KindBrowser, token
}

// forwardLogin answers a request without a valid session: a browser is sent to the login page,
// back to the original URI afterwards; anything else gets 401 (with the login URL in a header, for
// nginx's error_page).
func (a *Service) forwardLogin(w http.ResponseWriter, r *http.Request, orig originalRequest, result string, kind session.Kind, token string) {
	reason := ""
	switch result {
	case resultIdle:
		reason = reasonIdle
	case resultLifetime:
		reason = reasonLifetime
	case resultGrantInvalid, resultStale:
		reason = reasonEnded
	case resultUnknown:
		if kind == session.KindBrowser {
			reason = a.endedReason(token)
		}
	}
	login := loginURL(orig.uri, reason)
	w.Header().Set(HeaderLoginURL, login)
	// nginx's auth_request takes only 2xx, 401 and 403 from us (a redirect becomes its 500): its
	// error_page turns the 401 and this header into the redirect (docs/gateways.md).
	if kind == session.KindBrowser && acceptsHTML(r) && a.forwardHeaders != ForwardHeadersOriginal {
		status := http.StatusFound
		if orig.method != http.MethodGet && orig.method != http.MethodHead {
			status = http.StatusSeeOther
		}
		w.Header().Set("Location", login)
		w.WriteHeader(status)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="supportaccess"`)
	http.Error(w, "no valid support session: log in at "+loginPath, http.StatusUnauthorized)
}

// endedReason says why a cookie's session is gone from the store: its access ended (revoked,
// expired, deleted, re-issued) or it was logged out or ended by an admin (no reason).
func (a *Service) endedReason(token string) string {
	if token == "" {
		return ""
	}
	sess, ok := a.sessions.Ended(session.HashToken(token))
	if !ok {
		return ""
	}
	g, ok := a.index.grant(types.NamespacedName{Namespace: sess.Namespace, Name: sess.Grant})
	if !ok || !g.usable(a.clock.Now()) || g.UID != sess.GrantUID || !g.IssuedAt.Equal(sess.CredentialsIssuedAt) {
		return reasonEnded
	}
	return ""
}

// acceptsHTML reports whether the client would show an HTML page (a browser's navigation).
func acceptsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// forbidden answers 403 with a short page saying why.
func (a *Service) forbidden(w http.ResponseWriter, title, message string) {
	a.renderPage(w, http.StatusForbidden, "message.html", messagePage{Title: title, Message: message})
}
