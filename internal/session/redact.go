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
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// redactedError hides an API error's message, which names the session's Lease and so carries the
// token's hash, while keeping its status for apierrors.IsNotFound and friends.
type redactedError struct {
	op  string
	err error
}

func (e *redactedError) Error() string {
	var status apierrors.APIStatus
	if errors.As(e.err, &status) {
		return fmt.Sprintf("%s: %s (HTTP %d)", e.op, status.Status().Reason, status.Status().Code)
	}
	return e.op + ": request failed"
}

func (e *redactedError) Unwrap() error { return e.err }

// redact wraps err so that logging it never prints a Lease name.
func redact(op string, err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{op: op, err: err}
}
