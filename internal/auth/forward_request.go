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
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ForwardAuthPath is the forward-auth endpoint's prefix; the account follows
// (docs/gateways.md#account-binding).
const ForwardAuthPath = "/v1/forward-auth/"

// ForwardHeaders names where a gateway puts the original request (--forward-auth-headers). Only
// the chosen set is read: the others are whatever the client sent, since a gateway sets its own
// set and passes the client's headers through.
type ForwardHeaders string

const (
	// ForwardHeadersForwarded reads X-Forwarded-Method and X-Forwarded-Uri (Caddy, Traefik).
	ForwardHeadersForwarded ForwardHeaders = "forwarded"
	// ForwardHeadersOriginal reads X-Original-Method and X-Original-URI (nginx auth_request).
	ForwardHeadersOriginal ForwardHeaders = "original"
	// ForwardHeadersPath reads the original path appended to the endpoint's and the request's own
	// method (Envoy ext_authz, path_prefix).
	ForwardHeadersPath ForwardHeaders = "path"
)

// ParseForwardHeaders validates a --forward-auth-headers value.
func ParseForwardHeaders(s string) (ForwardHeaders, error) {
	switch h := ForwardHeaders(s); h {
	case ForwardHeadersForwarded, ForwardHeadersOriginal, ForwardHeadersPath:
		return h, nil
	}
	return "", fmt.Errorf("%q: must be one of forwarded (Caddy, Traefik), original (nginx), path (Envoy)", s)
}

// originalRequest is the request a gateway asks about.
type originalRequest struct {
	account string
	method  string
	// uri is the original request's path and query as the client sent them; path is its canonical,
	// decoded path, which the page rules match.
	uri string
}

var (
	errNoAccount = errors.New("the gateway route names no account: use " + ForwardAuthPath + "<account>")
	errNoURI     = errors.New("the gateway sent no original URI (see --forward-auth-headers)")
	errNoMethod  = errors.New("the gateway sent no original method (see --forward-auth-headers)")
)

// parseOriginalRequest reads the route's account and the original request from r, as mode says.
// The account is taken from the raw request URI: net/http has decoded r.URL.Path already.
func parseOriginalRequest(r *http.Request, mode ForwardHeaders) (originalRequest, error) {
	rest, ok := strings.CutPrefix(r.RequestURI, ForwardAuthPath)
	if !ok {
		return originalRequest{}, errNoAccount
	}
	account, tail, _ := strings.Cut(rest, "/")
	if mode != ForwardHeadersPath {
		// Only the path mode appends anything; a query on the auth URL is the gateway's own.
		account, _, _ = strings.Cut(account, "?")
	}
	if !validAccount(account) {
		return originalRequest{}, errNoAccount
	}
	req := originalRequest{account: account}
	switch mode {
	case ForwardHeadersOriginal:
		req.method, req.uri = r.Header.Get("X-Original-Method"), r.Header.Get("X-Original-URI")
	case ForwardHeadersPath:
		if !strings.Contains(rest, "/") {
			return originalRequest{}, errNoURI
		}
		req.method, req.uri = r.Method, "/"+tail
	default:
		req.method, req.uri = r.Header.Get("X-Forwarded-Method"), r.Header.Get("X-Forwarded-Uri")
	}
	if req.uri == "" {
		return originalRequest{}, errNoURI
	}
	if req.method == "" {
		return originalRequest{}, errNoMethod
	}
	return req, nil
}

// validAccount reports whether s is a namespace name (a DNS-1123 label): the account a route
// serves. An empty name is refused, never read as "any account".
func validAccount(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}
