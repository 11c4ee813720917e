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
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/test/bench/internal/stats"
)

const (
	// e2eWarmup pairs of requests open the connection and warm kube-apiserver's paths before
	// the measured ones; their tokens are not used again.
	e2eWarmup = 50
	// e2eTarget bounds what the webhook adds to kube-apiserver's authentication at p99.
	e2eTarget = time.Millisecond
	// e2eWebhookCacheTTL is kube-apiserver's --authentication-token-webhook-cache-ttl here. No
	// token is sent twice, so neither this cache nor kube-apiserver's own 10 s cache of every
	// successful token authentication (in front of all its token authenticators, service
	// accounts' included) ever answers.
	e2eWebhookCacheTTL = 10 * time.Second
	// e2eServiceAccount is the ServiceAccount whose tokens are the in-process baseline.
	e2eServiceAccount = "bench-e2e"
)

func e2eMethod(n int) string {
	return fmt.Sprintf("End to end, as kube-apiserver sees it: kube-apiserver's token webhook is the manager's auth "+
		"service over TLS (https, the CA in the webhook's kubeconfig, cache TTL %s). A client sends a SelfSubjectReview "+
		"(POST /apis/authentication.k8s.io/v1/selfsubjectreviews, a trivial request that needs an authenticated user and "+
		"answers with it) to kube-apiserver over one keep-alive connection, one request at a time, alternating a support "+
		"session's token (authenticated through the webhook) and a ServiceAccount token from the TokenRequest API "+
		"(authenticated in process: JWT signature, then the ServiceAccount from kube-apiserver's cache), %d of each after "+
		"%d pairs of warm-up. Every token is distinct and sent once (a session of its own per support token, one "+
		"TokenRequest per ServiceAccount token): kube-apiserver caches each successful token authentication for 10 s "+
		"(all authenticators) and the webhook's answers for the TTL, keyed by the token, so each request is a cache "+
		"miss in both. Latency is the client's, request written to answer read; the difference of the two is what "+
		"the webhook adds.", e2eWebhookCacheTTL, n, e2eWarmup)
}

// runE2E measures the end-to-end figure with n support sessions: grants [from, from+n+e2eWarmup)
// are issued (those below from exist), each logged in to once through mgr.
func runE2E(ctx context.Context, s *section, e *env, mgr *manager, have int) error {
	n := e.b.opts.e2eSessions
	k := n + e2eWarmup
	if k > have {
		if err := e.issueGrants(ctx, have, k, nil); err != nil {
			return err
		}
	}
	support := make([]string, k)
	if err := parallel(ctx, 0, k, 8, func(ctx context.Context, i int) error {
		var err error
		support[i], err = e.loginTo(ctx, mgr.authURL, grantName(i))
		return err
	}); err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	sa, err := e.serviceAccountTokens(ctx, k)
	if err != nil {
		return err
	}
	hc, err := e.apiServerBearerClient()
	if err != nil {
		return err
	}
	url := strings.TrimSuffix(e.cluster.Config.Host, "/") + "/apis/authentication.k8s.io/v1/selfsubjectreviews"
	supLat, saLat := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
	before, err := scrapeHistogram(ctx, mgr, checkLabels)
	if err != nil {
		return err
	}
	for i := range k {
		d, err := selfSubjectReview(ctx, hc, url, support[i], identity.UsernamePrefix)
		if err != nil {
			return fmt.Errorf("support token %d: %w", i, err)
		}
		d2, err := selfSubjectReview(ctx, hc, url, sa[i], "system:serviceaccount:")
		if err != nil {
			return fmt.Errorf("ServiceAccount token %d: %w", i, err)
		}
		if i >= e2eWarmup {
			supLat, saLat = append(supLat, d), append(saLat, d2)
		}
	}
	after, err := scrapeHistogram(ctx, mgr, checkLabels)
	if err != nil {
		return err
	}
	// Each support request must have reached the webhook: a cached answer would hide its cost.
	calls := after.Sub(before)
	s.note("End to end: the auth service answered %.0f TokenReviews for the %d support requests (warm-up included; "+
		"every one a cache miss at kube-apiserver), server-side mean %s.", calls.Count, k, dur(calls.Mean()))
	if calls.Count < float64(k) {
		return fmt.Errorf("kube-apiserver sent %.0f TokenReviews for %d support requests: some were answered from its cache", calls.Count, k)
	}
	sup, base := stats.Summarize(supLat), stats.Summarize(saLat)
	addP99 := sup.P99 - base.P99
	s.add(row{
		Figure:   fmt.Sprintf("End to end: SelfSubjectReview through kube-apiserver, token cache miss (%d each)", n),
		Value:    fmt.Sprintf("support token (webhook, TLS): p50 %s, p99 %s", dur(sup.P50), dur(sup.P99)),
		Baseline: fmt.Sprintf("ServiceAccount token (in process): p50 %s, p99 %s", dur(base.P50), dur(base.P99)),
		Ratio:    ratioDur(sup.P99, base.P99) + " (p99)",
		Result:   info,
	})
	s.add(row{
		Figure: "End to end: what the webhook adds (support − ServiceAccount)",
		Value:  fmt.Sprintf("p50 %s, p99 %s", signedDur(sup.P50-base.P50), signedDur(addP99)),
		Target: "≤ " + dur(e2eTarget) + " at p99",
		Result: verdict(addP99 <= e2eTarget),
	})
	return nil
}

func signedDur(d time.Duration) string {
	if d < 0 {
		return "−" + dur(-d)
	}
	return "+" + dur(d)
}

// serviceAccountTokens creates the baseline's ServiceAccount and k distinct tokens for it
// through the TokenRequest API.
func (e *env) serviceAccountTokens(ctx context.Context, k int) ([]string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: e2eServiceAccount}}
	if err := e.c.Create(ctx, sa); err != nil {
		return nil, fmt.Errorf("create ServiceAccount: %w", err)
	}
	tokens := make([]string, k)
	err := parallel(ctx, 0, k, e.b.opts.clients, func(ctx context.Context, i int) error {
		tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
		if err := e.c.SubResource("token").Create(ctx, sa, tr); err != nil {
			return fmt.Errorf("TokenRequest: %w", err)
		}
		tokens[i] = tr.Status.Token
		return nil
	})
	return tokens, err
}

// apiServerBearerClient is an HTTP client for kube-apiserver that trusts its CA and presents no
// client certificate: each request's bearer token is its only credential.
func (e *env) apiServerBearerClient() (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(e.cluster.Config.CAData) {
		return nil, errors.New("no CA in the control plane's config")
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true,
		MaxIdleConnsPerHost: 2, DisableCompression: true,
	}}, nil
}

var selfSubjectReviewBody = []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)

// selfSubjectReview sends one SelfSubjectReview with token and returns its latency, checking that
// kube-apiserver authenticated a user whose name starts with wantPrefix.
func selfSubjectReview(ctx context.Context, hc *http.Client, url, token, wantPrefix string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(selfSubjectReviewBody))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	began := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(began)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d: %.300s", resp.StatusCode, body)
	}
	var out authenticationv1.SelfSubjectReview
	if err := json.Unmarshal(body, &out); err != nil {
		return 0, err
	}
	if !strings.HasPrefix(out.Status.UserInfo.Username, wantPrefix) {
		return 0, fmt.Errorf("authenticated as %q, want %s…", out.Status.UserInfo.Username, wantPrefix)
	}
	return d, nil
}
