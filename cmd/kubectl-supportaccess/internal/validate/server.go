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

package validate

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ServerURL checks --server, the auth service's base URL, and returns it without a trailing slash
// so that one server has one spelling (sessions are cached by it).
func ServerURL(value string) (string, error) {
	raw := strings.TrimSpace(value)
	if raw == "" {
		return "", fmt.Errorf("--server is required: the auth service's URL, e.g. https://support-auth.example.com")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", flagError("server", value, "must be an http:// or https:// URL with a host, e.g. https://support-auth.example.com")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", flagError("server", value, "must not carry user information, a query or a fragment")
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// PlainHTTPOverNetwork reports whether server sends the password unencrypted beyond this machine:
// http:// to a host that is not loopback.
func PlainHTTPOverNetwork(server string) bool {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// TLSFlags checks that --certificate-authority and --insecure-skip-tls-verify are not combined
// (kubectl refuses the same), and that neither is given for an http:// server.
func TLSFlags(server, caFile string, insecure bool) error {
	if caFile != "" && insecure {
		return fmt.Errorf("--certificate-authority and --insecure-skip-tls-verify cannot be combined: verify against the CA, or (for testing only) do not verify at all")
	}
	if (caFile != "" || insecure) && strings.HasPrefix(server, "http://") {
		return fmt.Errorf("--certificate-authority and --insecure-skip-tls-verify apply to https:// servers only; --server is %s", server)
	}
	return nil
}
