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
	"encoding/json"
	"net/http"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// tokenReviewBody is the part of an authentication.k8s.io/v1 TokenReview that kube-apiserver
// sends and this service reads, declared here so decoding is plain encoding/json into a small
// struct on the hot path. spec.audiences is not read: no audience is checked, and none answered.
type tokenReviewBody struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Token string `json:"token"`
	} `json:"spec"`
}

const tokenReviewAPIVersion = "authentication.k8s.io/v1"

// The answer is written from pre-encoded parts: the envelope is constant, and each grant's status
// for a valid token is encoded once per version of the grant (grantState.tokenReviewStatus).
var (
	reviewPrefix  = []byte(`{"apiVersion":"` + tokenReviewAPIVersion + `","kind":"TokenReview","spec":{},"status":`)
	reviewSuffix  = []byte("}\n")
	reviewRefused = []byte(`{"user":{}}`)
)

// handleTokenReview implements POST /tokenreview for kube-apiserver's webhook token authenticator
// (--authentication-token-webhook-config-file, --authentication-token-webhook-version=v1). A bad,
// expired or revoked token answers 200 with authenticated=false: kube-apiserver retries 429 and
// 5xx with back-off, so those would turn a refusal into latency.
func (a *Service) handleTokenReview(w http.ResponseWriter, r *http.Request) {
	if !requireMethod(w, r, http.MethodPost) {
		return
	}
	start := time.Now()
	var req tokenReviewBody
	// Not strict: a newer kube-apiserver may add fields, and refusing them would lock everyone out.
	if !decodeJSON(w, r, &req, false) {
		a.metrics.check("tokenreview", resultMalformed, time.Since(start))
		return
	}
	if req.APIVersion != tokenReviewAPIVersion || req.Kind != "TokenReview" {
		a.metrics.check("tokenreview", resultMalformed, time.Since(start))
		writeError(w, http.StatusBadRequest, "unsupported_version",
			"send an authentication.k8s.io/v1 TokenReview (kube-apiserver: --authentication-token-webhook-version=v1)")
		return
	}

	status := reviewRefused
	id, result := a.check(req.Spec.Token, session.KindAPI, a.clock.Now(), true)
	if result == resultValid {
		status = id.Grant.tokenReviewStatus()
	}
	setJSONHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	// Errors are the connection's: the client is gone and nothing is left to tell it.
	_, _ = w.Write(reviewPrefix)
	_, _ = w.Write(status)
	_, _ = w.Write(reviewSuffix)
	a.metrics.check("tokenreview", result, time.Since(start))
}

// encodeReviewStatus returns the TokenReview status of a valid token of g: the support user of
// docs/reference.md#kubernetes-user.
func encodeReviewStatus(g *grantState) []byte {
	extra := make(map[string]authenticationv1.ExtraValue, 3)
	for k, v := range identity.Extra(g.Name, g.Namespace, g.WindowEnd) {
		extra[k] = v
	}
	status, err := json.Marshal(authenticationv1.TokenReviewStatus{
		Authenticated: true,
		User: authenticationv1.UserInfo{
			Username: identity.Username(g.LoginEmail),
			UID:      string(g.UID),
			Groups:   identity.Groups(g.AccessLevel, g.Namespace),
			Extra:    extra,
		},
	})
	if err != nil {
		// Strings, slices and maps of strings always encode; refuse rather than panic if not.
		return reviewRefused
	}
	return status
}
