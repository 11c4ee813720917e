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
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"k8s.io/client-go/rest"
)

// BearerTokens is the in-cluster mode: the platform's SSO proxy authenticates the user and passes
// their Kubernetes bearer token (an OIDC id token kube-apiserver trusts) in the Authorization
// header of every request; the console acts with that token and nothing else.
type BearerTokens struct {
	base *rest.Config
}

// NewBearerTokens returns the mode for the cluster of base (the manager's own config). Only the
// server's address and how to trust it are taken from base: each request's config is
// rest.AnonymousClientConfig(base) plus the user's token, so base's token, token file, client
// certificate and impersonation never reach kube-apiserver. (A copy of base with BearerToken set
// would still send base's BearerTokenFile, which client-go prefers.)
func NewBearerTokens(base *rest.Config) *BearerTokens {
	return &BearerTokens{base: rest.AnonymousClientConfig(base)}
}

// ConfigFor returns the config of a user holding token: what every request of theirs acts with.
func (b *BearerTokens) ConfigFor(token string) *rest.Config {
	cfg := rest.CopyConfig(b.base)
	cfg.BearerToken = token
	return cfg
}

func (b *BearerTokens) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="support-access-console"`)
			writeMessage(w, http.StatusUnauthorized, "Sign in first",
				"The console acts with your own Kubernetes credentials, and this request carried none. Open it through your platform's single sign-on.")
			return
		}
		sum := sha256.Sum256([]byte(token))
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), requestUser{cfg: b.ConfigFor(token), key: hex.EncodeToString(sum[:])})))
	})
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header. The scheme is
// case-insensitive (RFC 9110); a token is one run of visible characters.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return "", false
	}
	return token, true
}
