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

// Package echo is the baseline of the tokenreview benchmark: a trivial JSON handler doing what the
// auth service's /tokenreview does around its token check (the same request decoding, the same
// response type and encoding, the same headers) and nothing else. ForwardAuthHandler is the
// forwardauth benchmark's: the same for /v1/forward-auth/<account>.
package echo

import (
	"encoding/json"
	"io"
	"net/http"

	authenticationv1 "k8s.io/api/authentication/v1"
)

// TokenReview has the shape the auth service decodes and encodes (internal/auth/tokenreview.go).
type TokenReview struct {
	APIVersion string                             `json:"apiVersion"`
	Kind       string                             `json:"kind"`
	Spec       authenticationv1.TokenReviewSpec   `json:"spec"`
	Status     authenticationv1.TokenReviewStatus `json:"status"`
}

const maxBodyBytes = 64 << 10

// Handler answers every TokenReview with template's status.
func Handler(template TokenReview) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		var req TokenReview
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		// The auth service also refuses trailing data.
		if _, extra := dec.Token(); extra != io.EOF {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		resp := TokenReview{APIVersion: req.APIVersion, Kind: req.Kind, Status: template.Status}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(resp)
	}
}

// CookieName is the auth service's browser session cookie (internal/auth.CookieName).
const CookieName = "__Host-supportaccess"

// ForwardAuthHandler answers every forward-auth check as the auth service answers an allowed one:
// 200, no body, with answer's headers (the manager's own answer, so both move the same bytes). It
// reads what the auth service reads around its check, the original method and URI and the session
// cookie, and nothing else.
func ForwardAuthHandler(answer http.Header) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Forwarded-Method") == "" || r.Header.Get("X-Forwarded-Uri") == "" {
			http.Error(w, "no original request", http.StatusBadRequest)
			return
		}
		if c, err := r.Cookie(CookieName); err != nil || c.Value == "" {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		hdr := w.Header()
		for k, v := range answer {
			hdr[k] = v
		}
		w.WriteHeader(http.StatusOK)
	}
}
