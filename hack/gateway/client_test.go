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

package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// request is one request a test sends through a gateway, written byte for byte: the request target
// goes out exactly as given (no client cleans or re-encodes it) and no header is added but Host,
// Content-Length and Connection.
type request struct {
	method, target string
	header         http.Header
	body           string
}

// send writes req to the gateway route at base (http://localhost:<port>) over a fresh connection
// and returns the response with its body. Redirects are not followed.
func send(t *testing.T, base string, req request) (*http.Response, string) {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	_, port, err := net.SplitHostPort(host)
	if err != nil {
		t.Fatalf("gateway URL %q: %v", base, err)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), 5*time.Second)
	if err != nil {
		t.Fatalf("connecting to %s: %v", base, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatalf("setting a deadline: %v", err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", req.method, req.target, host)
	for name, values := range req.header {
		for _, v := range values {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	if req.body != "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(req.body))
	}
	b.WriteString("\r\n" + req.body)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatalf("sending %s %s: %v", req.method, req.target, err)
	}

	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: req.method})
	if err != nil {
		t.Fatalf("reading the answer to %s %s: %v", req.method, req.target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the body of the answer to %s %s: %v", req.method, req.target, err)
	}
	return res, string(body)
}

// withCookie returns header (copied) with the stand-in's session cookie set to session.
func withCookie(header http.Header, session string) http.Header {
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Cookie", sessionCookie+"="+session)
	return h
}
