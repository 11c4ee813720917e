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

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// tlsRun is the tokenreview scenario's second half: the same load over TLS, as kube-apiserver
// calls the auth service in a cluster.
type tlsRun struct {
	e        *env
	cert     *testutil.ServingCert
	authAddr string // where kube-apiserver's token webhook points: the TLS manager binds it
	tokens   string // the file of session tokens
	response string // the manager's answer for a valid token, the echo's answer
}

// run replaces the plain-HTTP manager by one serving the auth service over TLS (--auth-cert-dir,
// on the address kube-apiserver's token webhook was given), starts the echo over TLS, and compares
// them under the same load. The sessions live in Leases, so the new manager accepts the same
// tokens. It returns the TLS manager, which the end-to-end figure uses next.
func (t tlsRun) run(ctx context.Context, s *section, plain *manager, token string) (*manager, error) {
	e, b := t.e, t.e.b
	if err := e.stopManager(plain); err != nil {
		return nil, fmt.Errorf("stop the plain-HTTP manager: %w", err)
	}
	mgr, err := e.startManagerWith(ctx, "manager", authTLS{addr: t.authAddr, certDir: t.cert.Dir}, "--leader-elect=false")
	if err != nil {
		return nil, err
	}
	// readyz says the caches are synced; the session index may still be filling from the Leases.
	deadline := time.Now().Add(30 * time.Second)
	for {
		answer, err := postTokenReview(ctx, mgr.authURL, token)
		if err == nil && bytes.Contains(answer, authenticatedTrue) {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the TLS manager does not authenticate a session token within 30s: %v %s", err, answer)
		}
		time.Sleep(50 * time.Millisecond)
	}
	echoURL, echoPID, stopEcho, err := startEcho(ctx, b.bins.echo, filepath.Join(e.dir, "echo-tls.log"),
		"-response", t.response, "-cert-dir", t.cert.Dir)
	if err != nil {
		return nil, err
	}
	defer stopEcho()
	lg := loadgen{bin: b.bins.loadgen, tokens: t.tokens, duration: b.opts.trDuration, log: filepath.Join(e.dir, "loadgen-tls.log"),
		kind: "tokenreview", path: "/tokenreview", ca: t.cert.CAFile}
	s.note("TLS: both servers over TLS 1.3 (Go's default; the auth service allows 1.2 and later) with the same ECDSA P-256 " +
		"certificate, HTTP/1.1 keep-alive (the auth service offers no HTTP/2, so kube-apiserver's webhook client speaks " +
		"HTTP/1.1 to it too); each load-generator connection pays one handshake, in its warm-up.")
	_, err = compareLoad(ctx, s, loadComparison{
		e: e, lg: lg, mgr: mgr, echoURL: echoURL, echoPID: echoPID,
		concurrency: b.opts.trTLSConcurrency, throughputTarget: throughputTarget, labels: checkLabels, prefix: "TLS: ",
	})
	return mgr, err
}

// trust makes the bench's auth-service client (authClient) trust the certificate's CA.
func trust(c *testutil.ServingCert) {
	if t, ok := authClient.Transport.(*http.Transport); ok {
		t.TLSClientConfig = &tls.Config{RootCAs: c.Pool, MinVersion: tls.VersionTLS12}
	}
}
