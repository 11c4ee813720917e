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
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/supportaccess/support-access-operator/internal/tlslisten"
)

// shutdownGrace is how long open requests (live streams end at once) get when the console stops.
const shutdownGrace = 5 * time.Second

// Serve serves c on ln until ctx ends. There is no write timeout: a live stream is one long
// answer, and it bounds each of its writes itself (liveWriteTimeout).
func Serve(ctx context.Context, ln net.Listener, c *Console) error {
	srv := &http.Server{
		Handler:           c,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10, // an OIDC id token in Authorization can be a few KiB
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("console: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down the console: %w", err)
	}
	return nil
}

// Runnable serves the console in the manager, on every replica (--console-bind-address).
type Runnable struct {
	Addr string
	// CertDir, when set, holds tls.crt and tls.key, reloaded when they change.
	CertDir string
	Console *Console
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: every replica serves.
func (r *Runnable) NeedLeaderElection() bool { return false }

// Start implements manager.Runnable.
func (r *Runnable) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s for the console: %w", r.Addr, err)
	}
	log := r.Console.opts.Log
	if r.CertDir != "" {
		if ln, err = tlslisten.Wrap(ctx, ln, r.CertDir, log); err != nil {
			return fmt.Errorf("console: %w", err)
		}
	}
	log.Info("Serving the account admins' console", "address", ln.Addr().String(), "tls", r.CertDir != "")
	return Serve(ctx, ln, r.Console)
}
