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
	"net/http"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/supportaccess/support-access-operator/internal/identity"
)

// tokenReview is the subset of authentication.k8s.io/v1 TokenReview kube-apiserver sends and reads,
// declared here so decoding is plain encoding/json into a small struct on the hot path.
type tokenReview struct {
	APIVersion string                             `json:"apiVersion"`
	Kind       string                             `json:"kind"`
	Spec       authenticationv1.TokenReviewSpec   `json:"spec"`
	Status     authenticationv1.TokenReviewStatus `json:"status"`
}

const tokenReviewAPIVersion = "authentication.k8s.io/v1"

// handleTokenReview implements POST /tokenreview for kube-apiserver's webhook token authenticator
// (--authentication-token-webhook-config-file, --authentication-token-webhook-version=v1). A bad,
// expired or revoked token answers 200 with authenticated=false: kube-apiserver retries 429 and
// 5xx with back-off, so those would turn a refusal into latency.
func (a *Service) handleTokenReview(w http.ResponseWriter, r *http.Request) {
	if !requireMethod(w, r, http.MethodPost) {
		return
	}
	start := time.Now()
	var req tokenReview
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

	resp := tokenReview{APIVersion: tokenReviewAPIVersion, Kind: "TokenReview"}
	id, result := a.check(req.Spec.Token, a.clock.Now(), true)
	if result == resultValid {
		g := id.Grant
		resp.Status = authenticationv1.TokenReviewStatus{
			Authenticated: true,
			User: authenticationv1.UserInfo{
				Username: identity.Username(g.LoginEmail),
				UID:      string(g.UID),
				Groups:   identity.Groups(g.AccessLevel, g.Namespace),
				Extra:    toExtra(identity.Extra(g.Name, g.Namespace, g.WindowEnd)),
			},
		}
	}
	writeJSON(w, http.StatusOK, resp)
	a.metrics.check("tokenreview", result, time.Since(start))
}

func toExtra(in map[string][]string) map[string]authenticationv1.ExtraValue {
	out := make(map[string]authenticationv1.ExtraValue, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
