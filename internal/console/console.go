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
	"errors"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"

	"github.com/supportaccess/support-access-operator/internal/limits"
)

// DefaultUserAgent names the console's requests in kube-apiserver's audit log.
const DefaultUserAgent = "support-access-console"

// Options configure a console.
type Options struct {
	// Mode decides whose credentials each request acts with: Loopback or BearerTokens.
	Mode Mode
	// Namespace is the account "/" opens; empty shows a form that asks for one.
	Namespace string
	// Limits are the operator's limits when known (the manager serves the console): validity
	// periods above its grant cap are disabled. Nil: unknown (the plugin), and admission refuses
	// what is too long, which the page shows.
	Limits *limits.Limits
	// UserAgent names the console in kube-apiserver's audit log; DefaultUserAgent when empty.
	UserAgent string
	// Clock is the time of renewals and of the countdown's start; the real clock when nil.
	Clock clock.PassiveClock
	// Log receives what goes wrong on the console's side; never a credential.
	Log logr.Logger
}

// Console serves the page.
type Console struct {
	opts    Options
	handler http.Handler
	// streams counts the live streams open (maxLiveStreams, maxLiveStreamsPerUser).
	streams streamCounter
	// reads holds a place for each account read in progress (maxConcurrentReads).
	reads chan struct{}
}

// New returns the console for opts.
func New(opts Options) (*Console, error) {
	if opts.Mode == nil {
		return nil, errors.New("console: no Mode: use Loopback or BearerTokens")
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	c := &Console{opts: opts, reads: make(chan struct{}, maxConcurrentReads)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /assets/{file}", serveAsset)
	mux.HandleFunc("GET /{$}", c.home)
	mux.HandleFunc("GET /accounts/{namespace}", c.withAccount(c.page))
	mux.HandleFunc("GET /accounts/{namespace}/live", c.withAccount(c.live))
	mux.HandleFunc("POST /accounts/{namespace}/grants", c.withAccount(c.generate))
	mux.HandleFunc("POST /accounts/{namespace}/grants/{name}/renew", c.withAccount(c.renew))
	mux.HandleFunc("POST /accounts/{namespace}/grants/{name}/revoke", c.withAccount(c.revoke))
	mux.HandleFunc("POST /accounts/{namespace}/grants/{name}/delete", c.withAccount(c.deleteGrant))
	mux.HandleFunc("POST /accounts/{namespace}/sessions/{lease}/end", c.withAccount(c.endSession))
	mux.HandleFunc("POST /accounts/{namespace}/policy", c.withAccount(c.savePolicy))
	// Every state change is a POST, and a cross-site POST is refused whatever carries the
	// user's credentials: the loopback cookie, or the token an SSO proxy adds to every request.
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeMessage(w, http.StatusForbidden, "Cross-site request refused",
			"This request came from another site. Use the console's own buttons.")
	}))
	c.handler = securityHeaders(opts.Mode.authenticate(protect.Handler(mux)))
	return c, nil
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.handler.ServeHTTP(w, r)
}

// contentSecurityPolicy allows the console's own stylesheet and script and nothing else: no
// inline script or style, no framing, forms and the live stream to the console only.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets what every answer carries. Pages hold credentials: nothing is cached.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// operatorCap is the operator's grant cap, or 0 when the console does not know it.
func (c *Console) operatorCap() time.Duration {
	if c.opts.Limits == nil {
		return 0
	}
	return c.opts.Limits.MaxGrantDuration()
}
