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

package authclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/supportaccess/support-access-operator/internal/authapi"
)

// Error is a failed call to the auth service: no answer (Err), or an unexpected status with the
// service's {"error","message"} body.
type Error struct {
	Server string
	Path   string
	// Status is the HTTP status; 0 when the server did not answer.
	Status int
	// Code and Message are the service's error body, when it sent one.
	Code    string
	Message string
	// RetryAfter is the wait a 429 asks for.
	RetryAfter time.Duration
	// Err is the transport or decoding error, if any.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0:
		return fmt.Sprintf("cannot reach the auth service at %s: %v", e.Server, e.Err)
	case e.Status == http.StatusTooManyRequests:
		wait := "a while"
		if e.RetryAfter > 0 {
			wait = e.RetryAfter.String()
		}
		return fmt.Sprintf("the auth service at %s refused the login: too many failed attempts; retry in %s", e.Server, wait)
	case e.Err != nil:
		return fmt.Sprintf("auth service at %s, %s: %v", e.Server, e.Path, e.Err)
	case e.Message != "":
		return fmt.Sprintf("auth service at %s, %s: %s (HTTP %d)", e.Server, e.Path, e.Message, e.Status)
	default:
		return fmt.Sprintf("auth service at %s, %s: unexpected HTTP %d (is --server the auth service?)", e.Server, e.Path, e.Status)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// IsUnauthorized reports whether err is the auth service's 401: wrong credentials at login, or a
// session that has ended (logged out, idle, too old, grant expired, revoked or deleted).
func IsUnauthorized(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusUnauthorized
}

// newStatusError reads the service's error body. Bodies that are not its JSON (a proxy's HTML
// page) are not quoted: they say nothing useful and may be long.
func newStatusError(server, path string, resp *http.Response, data []byte) *Error {
	e := &Error{Server: server, Path: path, Status: resp.StatusCode}
	var body authapi.Error
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && json.Unmarshal(data, &body) == nil {
		e.Code, e.Message = body.Error, body.Message
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}
