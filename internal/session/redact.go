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

package session

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// redactedError hides the text of an error from a request about a session Lease, while keeping
// the error itself (Unwrap) for apierrors.IsNotFound and friends, errors.Is and errors.As. That
// text is never safe to print: an API error's message names the Lease ("leases ... \"session-<hash>\"
// is forbidden"), and a transport error names the request's URL, which ends with the Lease's
// name. Either way it carries the token's hash.
type redactedError struct {
	op  string
	err error
}

func (e *redactedError) Error() string {
	var status apierrors.APIStatus
	switch {
	case errors.As(e.err, &status):
		// Reason and code are the API's fixed vocabulary ("Forbidden", "NotFound"): no names.
		return fmt.Sprintf("%s: %s (HTTP %d)", e.op, status.Status().Reason, status.Status().Code)
	case errors.Is(e.err, context.DeadlineExceeded):
		return e.op + ": " + context.DeadlineExceeded.Error()
	case errors.Is(e.err, context.Canceled):
		return e.op + ": " + context.Canceled.Error()
	}
	return e.op + ": request failed"
}

func (e *redactedError) Unwrap() error { return e.err }

// Redact wraps err, the result of a request about a session Lease, so that printing it never
// shows the Lease's name: its text becomes op and, for an API error, the status reason and code
// ("end session of grant ns/name: Forbidden (HTTP 403)"). The wrapped error stays reachable for
// apierrors' predicates, errors.Is and errors.As, whose results must not be printed either. op
// says what failed and must itself name no Lease. Redact(op, nil) is nil.
func Redact(op string, err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{op: op, err: err}
}

// redact is Redact, under the name this package's callers use.
func redact(op string, err error) error { return Redact(op, err) }
