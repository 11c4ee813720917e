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

// Package authclient talks to the operator's auth service (docs/reference.md#auth-endpoints):
// POST /v1/login, GET /v1/session and POST /v1/logout. It never follows redirects (a password must
// not be re-sent somewhere else) and never puts a password or token in an error.
package authclient

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
	"net/url"
	"os"
	"time"

	"github.com/supportaccess/support-access-operator/internal/authapi"
)

const (
	// requestTimeout bounds one call to the auth service.
	requestTimeout = 30 * time.Second
	// maxResponseBytes bounds what is read of an answer; real ones are a few hundred bytes.
	maxResponseBytes = 1 << 20
)

// Options say where the auth service is and how to trust it.
type Options struct {
	// Server is the base URL, without a trailing slash.
	Server string
	// CAFile is a PEM bundle to verify an https server with; empty: the system's roots.
	CAFile string
	// InsecureSkipTLSVerify turns off verification of the server's certificate (tests only).
	InsecureSkipTLSVerify bool
}

// Client calls one auth service.
type Client struct {
	server string
	http   *http.Client
}

// New returns a client for o.Server.
func New(o Options) (*Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read --certificate-authority: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--certificate-authority %s holds no PEM certificate", o.CAFile)
		}
		tlsConfig.RootCAs = pool
	}
	tlsConfig.InsecureSkipVerify = o.InsecureSkipTLSVerify //nolint:gosec // explicitly asked for by the user
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	return &Client{
		server: o.Server,
		http: &http.Client{
			Timeout:   requestTimeout,
			Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}, nil
}

// Login is POST /v1/login's answer.
type Login = authapi.LoginResponse

// Session is GET /v1/session's answer: whose the token is.
type Session = authapi.SessionResponse

// Login exchanges an email and password for a session token.
func (c *Client) Login(ctx context.Context, email, password string) (*Login, error) {
	body, err := json.Marshal(authapi.LoginRequest{Email: email, Password: password})
	if err != nil {
		return nil, err
	}
	var out Login
	if err := c.do(ctx, http.MethodPost, "/v1/login", "", body, http.StatusOK, &out); err != nil {
		return nil, err
	}
	if out.Token == "" {
		return nil, fmt.Errorf("the auth service at %s answered the login without a token", c.server)
	}
	return &out, nil
}

// Session checks token and says whose it is; the check counts as activity.
func (c *Client) Session(ctx context.Context, token string) (*Session, error) {
	var out Session
	if err := c.do(ctx, http.MethodGet, "/v1/session", token, nil, http.StatusOK, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Logout ends the session of token everywhere.
func (c *Client) Logout(ctx context.Context, token string) error {
	return c.do(ctx, http.MethodPost, "/v1/logout", token, nil, http.StatusNoContent, nil)
}

// do sends one request and decodes the expected answer into out, or returns an *Error.
func (c *Client) do(ctx context.Context, method, path, token string, body []byte, want int, out any) error {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, reader)
	if err != nil {
		return fmt.Errorf("build request to %s: %w", c.server, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &Error{Server: c.server, Path: path, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return &Error{Server: c.server, Path: path, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode != want {
		return newStatusError(c.server, path, resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &Error{Server: c.server, Path: path, Status: resp.StatusCode, Err: fmt.Errorf("the answer is not the expected JSON (is --server the auth service?): %w", err)}
	}
	return nil
}

// unwrapURLError drops *url.Error's wrapping, which repeats the method and URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
