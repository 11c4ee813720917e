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

package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

const (
	// maxFormBytes bounds a form: the longest is a grant's reason (1024 characters).
	maxFormBytes = 16 << 10
	// maxReasonChars is spec.reason's limit in the CRD; the form says so before the API does.
	maxReasonChars = 1024
	// grantNamePrefix starts the name of a grant the console generates; kube-apiserver adds a
	// random suffix.
	grantNamePrefix = "support-"
)

// account is the request's account and the client acting in it as the user.
type account struct {
	namespace string
	client    *accountclient.Client
	// user tells the request's user apart from others (the live streams' per-user count).
	user string
}

type accountHandler func(w http.ResponseWriter, r *http.Request, a *account)

// withAccount checks the account in the path and builds the client of the request's user.
func (c *Console) withAccount(h accountHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		namespace := r.PathValue("namespace")
		if errs := validation.IsDNS1123Label(namespace); len(errs) > 0 {
			writeMessage(w, http.StatusNotFound, "No such account", "An account is a namespace name: "+strings.Join(errs, "; ")+".")
			return
		}
		// A grant or Lease name that the API could not hold is no object of the account: it is
		// refused here rather than sent to kube-apiserver or written into a form's action.
		for _, key := range []string{"name", "lease"} {
			if v := r.PathValue(key); v != "" && !validName(v) {
				writeMessage(w, http.StatusNotFound, "No such "+map[string]string{"name": "grant", "lease": "session"}[key],
					"There is no object of that name: "+strings.Join(validation.IsDNS1123Subdomain(v), "; ")+".")
				return
			}
		}
		u, ok := userOf(r.Context())
		if !ok {
			// Mode.authenticate always sets it; without it, act as nobody rather than as anyone.
			writeMessage(w, http.StatusInternalServerError, "No credentials", "The console found no credentials for this request.")
			return
		}
		client, err := accountclient.New(withRateLimits(u.cfg), c.opts.UserAgent)
		if err != nil {
			c.opts.Log.Error(err, "Build a client for a console request")
			writeMessage(w, http.StatusInternalServerError, "Cannot reach the cluster", err.Error())
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				writeMessage(w, http.StatusBadRequest, "Bad form", "The form could not be read.")
				return
			}
		}
		h(w, r, &account{namespace: namespace, client: client, user: u.key})
	}
}

// Client-side rate limits of the clients the console builds for a request. A client lives for
// one page (a dozen requests) or one live stream, whose every update reads the account again,
// with a SelfSubjectAccessReview per button and per Active grant's Secret. client-go's default
// (5 a second, bursts of 10) makes an update of an account with a few Active grants wait for
// seconds, past the console's 2 s (docs/reference.md#console). kube-apiserver's priority and
// fairness still applies to the user.
const clientQPS, clientBurst = 50, 100

// withRateLimits returns cfg with at least the console's client-side rate limits; a config with
// a rate limiter of its own, or with throttling off, is left as it is.
func withRateLimits(cfg *rest.Config) *rest.Config {
	if cfg.RateLimiter != nil || cfg.QPS < 0 || (cfg.QPS >= clientQPS && cfg.Burst >= clientBurst) {
		return cfg
	}
	out := rest.CopyConfig(cfg)
	out.QPS, out.Burst = max(out.QPS, clientQPS), max(out.Burst, clientBurst)
	return out
}

// home opens the configured account, or asks which one.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	if ns := r.URL.Query().Get("account"); ns != "" {
		http.Redirect(w, r, accountPath(ns), http.StatusSeeOther)
		return
	}
	if c.opts.Namespace != "" {
		http.Redirect(w, r, accountPath(c.opts.Namespace), http.StatusSeeOther)
		return
	}
	render(w, http.StatusOK, "home.html", nil)
}

// validName reports whether name can name a grant or a Lease (a DNS-1123 subdomain).
func validName(name string) bool {
	return len(validation.IsDNS1123Subdomain(name)) == 0
}

func accountPath(namespace string) string {
	return "/accounts/" + url.PathEscape(namespace)
}

// notices are the outcomes an action redirects to (?done=...): a fixed table, so nothing of the
// query string but a grant's name (escaped by the template) reaches the page.
var notices = map[string]string{
	"generated": "Credentials are being generated for grant %s: they appear below as soon as the operator has issued them.",
	"renewed":   "Grant %s renewed: its validity period starts again now.",
	"revoked":   "Access of grant %s revoked: its credentials no longer work and its sessions have ended.",
	"deleted":   "Grant %s deleted.",
	"policy":    "Session timeout saved: it applies to every session of this account at once.",
	"ended":     "Session ended: support must log in again.",
}

// page serves the account's page.
func (c *Console) page(w http.ResponseWriter, r *http.Request, a *account) {
	c.renderPage(w, r, a, http.StatusOK, "")
}

// renderPage reads the account and renders its page, with errMsg shown as the page's error.
func (c *Console) renderPage(w http.ResponseWriter, r *http.Request, a *account, status int, errMsg string) {
	page, err := c.readAccount(r.Context(), a.client, a.namespace)
	if err != nil {
		code, msg := c.apiError(err)
		writeMessage(w, code, "Cannot open account "+a.namespace, msg)
		return
	}
	page.Error = errMsg
	page.EditTimeout = r.URL.Query().Get("edit") == "timeout" && page.Policy.Save.Allowed
	// The grant is named in a link anyone can write: only a name a grant can have is shown.
	// Only after the console's own redirect (a same-origin navigation): a link from another site
	// that says "revoked" must not make the page say so.
	sameOrigin := r.Header.Get("Sec-Fetch-Site")
	if format, ok := notices[r.URL.Query().Get("done")]; ok && errMsg == "" && (sameOrigin == "" || sameOrigin == "same-origin") {
		if grant := r.URL.Query().Get("grant"); grant == "" || validName(grant) {
			page.Notice = strings.Replace(format, "%s", grant, 1)
		}
	}
	render(w, status, "page.html", page)
}

// fail shows what kube-apiserver refused as the page's error, never swallowed (docs/console.md).
func (c *Console) fail(w http.ResponseWriter, r *http.Request, a *account, err error) {
	code, msg := c.apiError(err)
	c.renderPage(w, r, a, code, msg)
}

// apiError returns the status and message of an error from kube-apiserver: its own words, which
// name the field or the permission (accountclient.Explain's wording keeps the status underneath).
func (c *Console) apiError(err error) (int, string) {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Code >= 400 {
		return int(status.Status().Code), err.Error()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout, "kube-apiserver did not answer in time; try again."
	}
	// Not an answer of kube-apiserver (it could not be reached): the details, which name internal
	// addresses, go to the console's log, not to the page.
	c.opts.Log.Error(err, "kube-apiserver could not be reached for a console request")
	return http.StatusBadGateway, "kube-apiserver could not be reached; try again, or ask your platform team."
}

// done redirects to the account's page with the outcome of an action (Post/Redirect/Get).
func done(w http.ResponseWriter, r *http.Request, a *account, outcome, grant string) {
	q := url.Values{"done": {outcome}}
	target := accountPath(a.namespace)
	if grant != "" {
		q.Set("grant", grant)
		target += "?" + q.Encode() + "#grant_" + url.PathEscape(grant)
	} else {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// generate creates a grant: "Generate credentials".
func (c *Console) generate(w http.ResponseWriter, r *http.Request, a *account) {
	access := supportaccessv1alpha1.AccessLevel(r.PostForm.Get("access"))
	if access != supportaccessv1alpha1.AccessLevelLimited && access != supportaccessv1alpha1.AccessLevelFull {
		c.renderPage(w, r, a, http.StatusBadRequest, "Choose Limited or Full access.")
		return
	}
	duration := r.PostForm.Get("duration")
	if !allowedPeriod(duration) {
		c.renderPage(w, r, a, http.StatusBadRequest, "Choose one of the validity periods offered.")
		return
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if utf8.RuneCountInString(reason) > maxReasonChars {
		c.renderPage(w, r, a, http.StatusBadRequest, "The reason is too long: at most 1024 characters.")
		return
	}
	g, err := a.client.CreateGrant(r.Context(), accountclient.GrantRequest{
		Namespace: a.namespace, GenerateName: grantNamePrefix, AccessLevel: access, Duration: duration, Reason: reason,
	})
	if err != nil {
		c.fail(w, r, a, err)
		return
	}
	done(w, r, a, "generated", g.Name)
}

// renew restarts a grant's validity window.
func (c *Console) renew(w http.ResponseWriter, r *http.Request, a *account) {
	name := r.PathValue("name")
	g, err := a.client.GetGrant(r.Context(), a.namespace, name)
	if err != nil {
		c.fail(w, r, a, accountclient.Explain(err, "grant", name, a.namespace))
		return
	}
	if uid := r.PostForm.Get("uid"); uid != "" && uid != string(g.UID) {
		c.renderPage(w, r, a, http.StatusConflict, "Grant "+name+" was deleted and created again since the page was loaded: check it before renewing.")
		return
	}
	if g.Spec.Revoked {
		c.renderPage(w, r, a, http.StatusConflict, "Grant "+name+" is revoked and cannot be renewed: generate new credentials instead.")
		return
	}
	at := accountclient.RenewalTime(c.opts.Clock.Now(), g.Spec.RenewedAt)
	if _, err := a.client.PatchGrantSpec(r.Context(), a.namespace, name, string(g.UID), map[string]any{"renewedAt": at.Format(timeFormat)}); err != nil {
		c.fail(w, r, a, accountclient.Explain(err, "grant", name, a.namespace))
		return
	}
	done(w, r, a, "renewed", name)
}

// revoke ends a grant's access, after the confirmation: the page's dialog sends confirmed=yes;
// without it (no script) the answer is a page that asks.
func (c *Console) revoke(w http.ResponseWriter, r *http.Request, a *account) {
	name := r.PathValue("name")
	if r.PostForm.Get("confirmed") != "yes" {
		render(w, http.StatusOK, "confirm.html", confirmPage{Namespace: a.namespace, Grant: name, UID: r.PostForm.Get("uid")})
		return
	}
	if _, err := a.client.PatchGrantSpec(r.Context(), a.namespace, name, r.PostForm.Get("uid"), map[string]any{"revoked": true}); err != nil {
		c.fail(w, r, a, accountclient.Explain(err, "grant", name, a.namespace))
		return
	}
	done(w, r, a, "revoked", name)
}

// confirmPage is what web/confirm.html asks.
type confirmPage struct{ Namespace, Grant, UID string }

// deleteGrant deletes a grant (one in the history, normally): the UID sent is the grant the page
// showed, so a grant re-created under the same name since is not deleted by mistake.
func (c *Console) deleteGrant(w http.ResponseWriter, r *http.Request, a *account) {
	name := r.PathValue("name")
	if err := a.client.DeleteGrant(r.Context(), a.namespace, name, r.PostForm.Get("uid")); err != nil {
		c.fail(w, r, a, accountclient.Explain(err, "grant", name, a.namespace))
		return
	}
	done(w, r, a, "deleted", name)
}

// endSession deletes a session Lease: the auth service refuses its token at once.
func (c *Console) endSession(w http.ResponseWriter, r *http.Request, a *account) {
	lease := r.PathValue("lease")
	if err := a.client.EndSession(r.Context(), a.namespace, lease, r.PostForm.Get("uid")); err != nil {
		c.fail(w, r, a, accountclient.Explain(err, "session Lease", lease, a.namespace))
		return
	}
	done(w, r, a, "ended", "")
}

// savePolicy sets the account's inactivity timeout, creating its policy when there is none.
func (c *Console) savePolicy(w http.ResponseWriter, r *http.Request, a *account) {
	timeout := supportaccessv1alpha1.InactivityTimeout(r.PostForm.Get("inactivityTimeout"))
	if _, ok := timeout.Duration(); !ok {
		c.renderPage(w, r, a, http.StatusBadRequest, "Choose one of the session timeouts offered.")
		return
	}
	if _, err := a.client.SetPolicy(r.Context(), a.namespace, map[string]any{"inactivityTimeout": timeout}); err != nil {
		c.fail(w, r, a, err)
		return
	}
	done(w, r, a, "policy", "")
}
