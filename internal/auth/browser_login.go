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
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/supportaccess/support-access-operator/internal/session"
)

const (
	// BrowserPrefix is the reserved path prefix of the browser pages: a gateway routes it to the
	// auth service on the app's own host, so the session cookie stays first-party
	// (docs/gateways.md#what-the-auth-service-serves).
	BrowserPrefix = "/.supportaccess/"
	// CookieName holds a browser session's token. __Host-: Secure, Path=/, no Domain, so no other
	// host (a sibling subdomain included) can set or overwrite it.
	CookieName = "__Host-supportaccess"
	// loginPath and logoutPath are the login page's endpoints.
	loginPath  = BrowserPrefix + "login"
	logoutPath = BrowserPrefix + "logout"
	// maxFormBytes bounds a login form's body (email, password and rd fit many times over).
	maxFormBytes = 16 << 10
)

// Why a browser was sent to the login page (the rd link's reason parameter, set by forward auth
// and by logout): the page says so (docs/gateways.md#forward-auth-answers; the help page's "log in
// again to resume").
const (
	reasonIdle     = "idle"
	reasonEnded    = "ended"
	reasonLifetime = "lifetime"
	reasonLogout   = "logout"
)

// handleLoginPage implements GET and POST /.supportaccess/login. Cross-site POSTs are refused
// before this runs (browserHandler's CrossOriginProtection).
func (a *Service) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q := r.URL.Query()
		rd := returnURL(q.Get("rd"), a.returnHosts)
		// Already logged in (another tab did): straight on.
		if id, ok := a.browserIdentity(r); ok && id.Grant != nil {
			http.Redirect(w, r, rd, http.StatusSeeOther)
			return
		}
		a.renderPage(w, http.StatusOK, "login.html", loginPage{
			Title: "Log in", Notice: a.reasonNotice(r, q.Get("reason")), ReturnTo: rd,
		})
	case http.MethodPost:
		a.handleLoginForm(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// handleLoginForm logs in from the form: POST /v1/login's checks, throttles and events, and a
// browser session in a cookie.
func (a *Service) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.metrics.login("bad_request")
		a.renderPage(w, http.StatusBadRequest, "login.html", loginPage{Title: "Log in", Error: "The form could not be read; try again.", ReturnTo: "/"})
		return
	}
	// PostFormValue: fields from the body only, never from the URL (which logs and referrers keep).
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	rd := returnURL(r.PostFormValue("rd"), a.returnHosts)
	page := loginPage{Title: "Log in", Email: email, ReturnTo: rd}
	if email == "" || password == "" || len(email) > maxEmailLength || len(password) > maxPasswordLength {
		a.metrics.login("bad_request")
		page.Error = "Enter the login email and password you were given."
		a.renderPage(w, http.StatusBadRequest, "login.html", page)
		return
	}
	out := a.login(r, email, password, session.KindBrowser)
	switch out.result {
	case loginThrottled:
		wait := retryAfterSeconds(out.wait)
		w.Header().Set("Retry-After", wait)
		a.renderPage(w, http.StatusTooManyRequests, "message.html", messagePage{
			Title:    "Too many attempts",
			Message:  fmt.Sprintf("Too many failed logins. Wait %s seconds, then try again.", wait),
			LoginURL: loginURL(rd, ""),
		})
	case loginInvalid:
		// One message whatever was wrong, as POST /v1/login (no account enumeration).
		page.Error = "Invalid email or password, or this support access has ended."
		a.renderPage(w, http.StatusUnauthorized, "login.html", page)
	case loginUnavailable:
		page.Error = "Cannot log in right now; try again in a moment."
		a.renderPage(w, http.StatusServiceUnavailable, "login.html", page)
	default:
		http.SetCookie(w, sessionCookie(out.token, out.expiresAt))
		http.Redirect(w, r, rd, http.StatusSeeOther)
	}
}

// handleLogoutPage implements POST /.supportaccess/logout: the session ends on every replica (its
// Lease is deleted) and the cookie is cleared.
func (a *Service) handleLogoutPage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if id, ok := a.browserIdentity(r); ok {
		if err := a.sessions.Delete(r.Context(), id.Session); err != nil {
			// Refused here already; the flusher keeps retrying the Lease's deletion.
			a.log.Error(err, "Cannot delete session Lease", "namespace", id.Session.Namespace, "grant", id.Session.Grant)
		}
		if id.Grant != nil {
			a.recorder.Eventf(id.Grant.grant, nil, corev1.EventTypeNormal, "Logout", "Logout",
				"Support user %s logged out (browser session)", id.Grant.LoginEmail)
		}
	}
	http.SetCookie(w, clearedCookie())
	http.Redirect(w, r, loginURL("/", reasonLogout), http.StatusSeeOther)
}

// browserIdentity returns the session of the request's cookie, if the store holds it: Grant is
// set only when the session is valid now. No activity is recorded.
func (a *Service) browserIdentity(r *http.Request) (Identity, bool) {
	token, ok := cookieToken(r)
	if !ok {
		return Identity{}, false
	}
	sess, ok := a.sessions.Lookup(session.HashToken(token))
	if !ok || sess.Kind != session.KindBrowser {
		return Identity{}, false
	}
	id, result := a.checkSession(sess, a.clock.Now())
	if result != resultValid {
		return Identity{Session: sess}, true
	}
	return id, true
}

// reasonNotice is the login page's notice for reason. For an idle logout it names the account's
// timeout when the cookie still names the session.
func (a *Service) reasonNotice(r *http.Request, reason string) string {
	switch reason {
	case reasonIdle:
		if token, ok := cookieToken(r); ok {
			if sess, ok := a.sessionOrEnded(session.HashToken(token)); ok {
				minutes := int(a.index.settings(sess.Namespace).InactivityTimeout / time.Minute)
				return fmt.Sprintf("Your session ended after %d minutes of inactivity. Log in again to continue where you were.", minutes)
			}
		}
		return "Your session ended after a period of inactivity. Log in again to continue where you were."
	case reasonEnded:
		return "This support access has ended: it was revoked, it expired, or new credentials were issued. Ask the account admin for access."
	case reasonLifetime:
		return "Your session reached its maximum length. Log in again to continue where you were."
	case reasonLogout:
		return "You have logged out."
	}
	return ""
}

// sessionOrEnded returns the live or recently ended session of hash h.
func (a *Service) sessionOrEnded(h session.Hash) (*session.Session, bool) {
	if sess, ok := a.sessions.Lookup(h); ok {
		return sess, true
	}
	return a.sessions.Ended(h)
}

// loginURL is the login page's URL returning to rd, with the reason it shows.
func loginURL(rd, reason string) string {
	q := url.Values{"rd": {rd}}
	if reason != "" {
		q.Set("reason", reason)
	}
	return loginPath + "?" + q.Encode()
}

// cookieToken returns the session cookie's value, without the allocations of net/http's cookie
// parsing (forward auth is a hot path). The first cookie of that name wins, as in net/http; a
// __Host- cookie cannot be set by any other host, so there is no rival to prefer.
func cookieToken(r *http.Request) (string, bool) {
	for _, line := range r.Header["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimLeft(part, " \t")
			if value, ok := strings.CutPrefix(part, CookieName+"="); ok {
				value = strings.TrimRight(value, " \t")
				return value, value != ""
			}
		}
	}
	return "", false
}

// sessionCookie carries a browser session's token until the session's latest possible end.
func sessionCookie(token string, expiresAt time.Time) *http.Cookie {
	return &http.Cookie{
		Name: CookieName, Value: token, Path: "/", Expires: expiresAt,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// clearedCookie removes the session cookie (same attributes, or the browser keeps the old one).
func clearedCookie() *http.Cookie {
	return &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}
