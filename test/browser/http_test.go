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

package browser

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

// direct talks to the auth services and kube-apiserver outside the browser, as a gateway or a
// program holding a stolen cookie would. It follows no redirect, so a status is what was sent.
var direct = &http.Client{
	Timeout:       e2esuite.CommandTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// replica is one manager replica's auth service, and the forward-auth header set it reads.
type replica struct {
	name, url, headers string
}

// replicas are the two manager replicas: Caddy's ("forwarded") and nginx's ("original").
func replicas() []replica {
	return []replica{
		{name: "replica 1", url: env.AuthURLs[0], headers: "forwarded"},
		{name: "replica 2", url: env.AuthURLs[1], headers: "original"},
	}
}

// forwardAuth asks r, as a gateway would for a browser's GET of path on account's route, whether
// the session of token (the cookie) may have it. It returns the status and the headers.
func forwardAuth(ctx context.Context, g Gomega, r replica, account, path, token string) (int, http.Header) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url+"/v1/forward-auth/"+account, nil)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	switch r.headers {
	case "forwarded":
		req.Header.Set("X-Forwarded-Method", http.MethodGet)
		req.Header.Set("X-Forwarded-Proto", "http")
		req.Header.Set("X-Forwarded-Host", "localhost")
		req.Header.Set("X-Forwarded-Uri", path)
	case "original":
		req.Header.Set("X-Original-Method", http.MethodGet)
		req.Header.Set("X-Original-URI", path)
	}
	req.AddCookie(&http.Cookie{Name: cookieName, Value: token})
	resp, err := direct.Do(req)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "forward auth on %s", r.name)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

// bearerForwardAuth is forwardAuth with token as an API session's Bearer header, from a program
// (no text/html): 401 when refused.
func bearerForwardAuth(ctx context.Context, g Gomega, r replica, account, path, token string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url+"/v1/forward-auth/"+account, nil)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Forwarded-Method", http.MethodGet)
	req.Header.Set("X-Forwarded-Uri", path)
	req.Header.Set("X-Original-Method", http.MethodGet)
	req.Header.Set("X-Original-URI", path)
	resp, err := direct.Do(req)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "forward auth on %s", r.name)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// tokenReview asks r, as kube-apiserver does, whether token authenticates. It must answer 200
// with a TokenReview whatever the token.
func tokenReview(ctx context.Context, g Gomega, r replica, token string) authenticationv1.TokenReviewStatus {
	review := authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}
	review.APIVersion, review.Kind = "authentication.k8s.io/v1", "TokenReview"
	body, err := json.Marshal(review)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+"/tokenreview", bytes.NewReader(body))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	resp, err := direct.Do(req)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "POST /tokenreview on %s", r.name)
	defer resp.Body.Close()
	g.ExpectWithOffset(1, resp.StatusCode).To(Equal(http.StatusOK), "POST /tokenreview on %s must answer 200 whatever the token", r.name)
	var answer authenticationv1.TokenReview
	g.ExpectWithOffset(1, json.NewDecoder(resp.Body).Decode(&answer)).To(Succeed(), "decode the TokenReview of %s", r.name)
	return answer.Status
}

// apiLogin logs in at POST /v1/login, as kubectl's plugin does: an API session, the kind that is
// a kube-apiserver credential. Its token is remembered for the leak check.
func apiLogin(ctx context.Context, g Gomega, gr grant) string {
	body, err := json.Marshal(map[string]string{"email": gr.email, "password": gr.password})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, env.AuthURLs[0]+"/v1/login", bytes.NewReader(body))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	resp, err := direct.Do(req)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "POST /v1/login")
	defer resp.Body.Close()
	g.ExpectWithOffset(1, resp.StatusCode).To(Equal(http.StatusOK), "POST /v1/login with %s's credentials", gr.name)
	var session struct {
		Token string `json:"token"`
	}
	g.ExpectWithOffset(1, json.NewDecoder(resp.Body).Decode(&session)).To(Succeed())
	g.ExpectWithOffset(1, session.Token).NotTo(BeEmpty())
	env.Secrets.RememberToken("an API session's", session.Token)
	return session.Token
}

// apiServer calls kube-apiserver over TLS, trusting its serving CA.
var apiServer = sync.OnceValue(func() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(env.CAData)
	return &http.Client{
		Timeout:   e2esuite.CommandTimeout,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
})

// apiServerStatus sends GET path to kube-apiserver with token as the bearer: 401 when
// kube-apiserver (through the token webhook) does not authenticate it, 403 when RBAC refuses the
// user it is.
func apiServerStatus(ctx context.Context, g Gomega, token, path string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.APIServer+path, nil)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := apiServer().Do(req)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "GET %s on kube-apiserver", path)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
