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

// Package auth is the auth service (docs/auth-service.md): support staff log in with a grant's
// credentials and get a session token, which kube-apiserver (TokenReview webhook) and HTTP gateways
// validate here. It runs on every manager replica; sessions are shared through the Kubernetes API.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-logr/logr"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/supportaccess/support-access-operator/internal/pagerules"
	"github.com/supportaccess/support-access-operator/internal/session"
	"github.com/supportaccess/support-access-operator/internal/tlslisten"
)

// Limiter throttles failed logins per key (email, client address).
type Limiter interface {
	Allow(key string) (bool, time.Duration)
	Failure(key string) int
	Success(key string)
}

// Service serves the auth endpoints.
type Service struct {
	// Addr is the listen address (--auth-bind-address).
	Addr string
	// CertDir holds tls.crt and tls.key; empty serves plain HTTP (local runs only).
	CertDir string

	sessions *session.Store
	index    *index
	// emails and addresses throttle failed logins; separate, so a flood of invented emails
	// cannot evict the counters of the addresses sending them.
	emails    Limiter
	addresses Limiter
	// grantLogins limits successful logins per grant; maxSessions caps each grant's live sessions.
	grantLogins Limiter
	maxSessions int
	// trustedProxies are the peers whose X-Forwarded-For names the client (clientaddr.go).
	trustedProxies []netip.Prefix
	// forwardHeaders is where gateways put the original request (forward_request.go); pageRules
	// the page rules in force; returnHosts the hosts the login page may return to besides its own,
	// and pageCSP the browser pages' Content-Security-Policy, which names them.
	forwardHeaders ForwardHeaders
	pageRules      *pagerules.Watcher
	returnHosts    map[string]bool
	pageCSP        string
	clock          clock.PassiveClock
	recorder       recorder.EventRecorder
	metrics        *authMetrics
	log            logr.Logger

	// waitForSync blocks until the manager's caches are synced; handlersSynced report whether our
	// event handlers have seen every object of the initial lists (they lag the caches slightly).
	waitForSync    func(context.Context) bool
	handlersSynced []toolscache.InformerSynced
	// pageRulesSynced reports whether the page rules' ConfigMap has been read; the service starts
	// without it after pageRulesSyncTimeout (Limited is then refused every page,
	// docs/gateways.md#page-rules).
	pageRulesSynced toolscache.InformerSynced
	// listening is closed once the listener is bound (tests and readiness wait on it).
	listening chan struct{}
	boundAddr net.Addr
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: every replica serves.
func (a *Service) NeedLeaderElection() bool { return false }

// pageRulesSyncTimeout bounds how long the service waits for the page rules before it serves.
const pageRulesSyncTimeout = 10 * time.Second

// Handler returns the HTTP handler of every endpoint.
func (a *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/login", a.handleLogin)
	mux.HandleFunc("/v1/logout", a.handleLogout)
	mux.HandleFunc("/v1/session", a.handleSession)
	mux.HandleFunc("/tokenreview", a.handleTokenReview)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	// The browser pages refuse cross-site form posts (CSRF), on top of the cookie's SameSite=Lax.
	browser := http.NewServeMux()
	browser.HandleFunc(loginPath, a.handleLoginPage)
	browser.HandleFunc(logoutPath, a.handleLogoutPage)
	browser.HandleFunc(BrowserPrefix+"assets/style.css", a.handleAsset)
	mux.Handle(BrowserPrefix, http.NewCrossOriginProtection().Handler(browser))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "endpoints: POST /v1/login, POST /v1/logout, GET /v1/session, "+
			"POST /tokenreview, /v1/forward-auth/<account>, "+loginPath)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Forward auth reads the raw URI itself: the mux would answer a non-canonical original path
		// (Envoy's path mode) with a redirect to the cleaned one, where the answer must be 400.
		if strings.HasPrefix(r.RequestURI, ForwardAuthPath) {
			a.handleForwardAuth(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Start implements manager.Runnable: it serves until ctx ends, then shuts down gracefully.
func (a *Service) Start(ctx context.Context) error {
	if a.waitForSync != nil && !a.waitForSync(ctx) {
		return errors.New("auth service: caches did not sync")
	}
	if !toolscache.WaitForCacheSync(ctx.Done(), a.handlersSynced...) {
		return errors.New("auth service: indexes did not sync")
	}
	if a.pageRulesSynced != nil {
		// Token checks must not wait on a missing ConfigMap namespace or a forbidden read.
		rulesCtx, cancel := context.WithTimeout(ctx, pageRulesSyncTimeout)
		if !toolscache.WaitForCacheSync(rulesCtx.Done(), a.pageRulesSynced) && ctx.Err() == nil {
			a.log.Info("Page rules not read yet: serving with every page Full-only until they are", "timeout", pageRulesSyncTimeout)
		}
		cancel()
	}
	ln, err := net.Listen("tcp", a.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s for the auth service: %w", a.Addr, err)
	}
	a.boundAddr = ln.Addr()
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          nil,
	}
	if a.CertDir != "" {
		if ln, err = tlslisten.Wrap(ctx, ln, a.CertDir, a.log); err != nil {
			return fmt.Errorf("auth service: %w", err)
		}
		a.log.Info("Serving the auth service over TLS", "address", a.boundAddr.String(), "certDir", a.CertDir)
	} else {
		a.log.Info("Serving the auth service over plain HTTP: for local runs only, set --auth-cert-dir in a cluster",
			"address", a.boundAddr.String())
	}
	close(a.listening)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("auth service: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down auth service: %w", err)
	}
	return nil
}

// Listening returns a channel closed once the service is bound, and the bound address.
func (a *Service) Listening() (<-chan struct{}, func() net.Addr) {
	return a.listening, func() net.Addr { return a.boundAddr }
}
