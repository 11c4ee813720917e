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
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestRedact: a redacted error never prints the Lease's name or the token's hash, whatever the
// failure, and still answers apierrors' predicates, errors.Is and errors.As as the original does.
func TestRedact(t *testing.T) {
	_, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	name := LeaseName(hash)
	leases := schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}
	const op = "end session of grant account/grant"
	// The request's URL, which a transport error prints.
	leaseURL := "https://127.0.0.1:6443/apis/coordination.k8s.io/v1/namespaces/account/leases/" + name

	// Each predicate must answer the same for the redacted error as for the original.
	predicates := map[string]func(error) bool{
		"IsNotFound":           apierrors.IsNotFound,
		"IsConflict":           apierrors.IsConflict,
		"IsForbidden":          apierrors.IsForbidden,
		"IsInternalError":      apierrors.IsInternalError,
		"IsAlreadyExists":      apierrors.IsAlreadyExists,
		"IsInvalid":            apierrors.IsInvalid,
		"IsServerTimeout":      apierrors.IsServerTimeout,
		"IsTimeout":            apierrors.IsTimeout,
		"IsTooManyRequests":    apierrors.IsTooManyRequests,
		"IsServiceUnavailable": apierrors.IsServiceUnavailable,
		"IsUnauthorized":       apierrors.IsUnauthorized,
		"IsBadRequest":         apierrors.IsBadRequest,
		"IsUnexpectedServer":   apierrors.IsUnexpectedServerError,
	}

	tests := []struct {
		name string
		err  error
		// holds is the predicate that must be true of the error (nil for a non-API error).
		holds func(error) bool
		// want is the whole redacted message.
		want string
	}{
		{
			name:  "NotFound",
			err:   apierrors.NewNotFound(leases, name),
			holds: apierrors.IsNotFound,
			want:  op + ": NotFound (HTTP 404)",
		},
		{
			name:  "Conflict (UID precondition)",
			err:   apierrors.NewConflict(leases, name, fmt.Errorf("Precondition failed: UID in precondition: 1234, UID in object meta: 5678")),
			holds: apierrors.IsConflict,
			want:  op + ": Conflict (HTTP 409)",
		},
		{
			name: "Forbidden by an admission policy",
			err: apierrors.NewForbidden(leases, name, fmt.Errorf(
				"ValidatingAdmissionPolicy 'deny' with binding 'deny' denied request: %s may not be deleted", name)),
			holds: apierrors.IsForbidden,
			want:  op + ": Forbidden (HTTP 403)",
		},
		{
			name:  "500",
			err:   apierrors.NewInternalError(fmt.Errorf("etcdserver: request timed out deleting %s", name)),
			holds: apierrors.IsInternalError,
			want:  op + ": InternalError (HTTP 500)",
		},
		{
			name:  "API error wrapped with the name",
			err:   fmt.Errorf("delete Lease account/%s: %w", name, apierrors.NewTooManyRequests("slow down", 1)),
			holds: apierrors.IsTooManyRequests,
			want:  op + ": TooManyRequests (HTTP 429)",
		},
		{
			name: "not an API error: the API is down",
			err:  &url.Error{Op: "Delete", URL: leaseURL, Err: errors.New("dial tcp 127.0.0.1:6443: connect: connection refused")},
			want: op + ": request failed",
		},
		{
			name: "not an API error: the deadline passed",
			err:  &url.Error{Op: "Delete", URL: leaseURL, Err: context.DeadlineExceeded},
			want: op + ": context deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			// The case is a leak worth hiding: the original names the Lease.
			g.Expect(tt.err.Error()).To(ContainSubstring(name), "test case does not name the Lease")

			redacted := Redact(op, tt.err)
			g.Expect(redacted).To(HaveOccurred())
			msg := redacted.Error()
			g.Expect(msg).To(Equal(tt.want))
			g.Expect(msg).NotTo(ContainSubstring(hex.EncodeToString(hash[:])), "the token's hash")
			g.Expect(msg).NotTo(ContainSubstring(leaseNamePrefix), "a Lease name")
			// Wrapped again, as callers up the stack do, it still names nothing.
			g.Expect(fmt.Errorf("reconcile: %w", redacted).Error()).NotTo(ContainSubstring(name))
			// The package's own callers get the same thing under the old name.
			g.Expect(redact(op, tt.err).Error()).To(Equal(msg))

			// What the error is survives: the same error in the chain, the same predicates.
			g.Expect(errors.Is(redacted, tt.err)).To(BeTrue(), "errors.Is the original")
			for pname, is := range predicates {
				g.Expect(is(redacted)).To(Equal(is(tt.err)), pname)
			}
			if tt.holds != nil {
				g.Expect(tt.holds(redacted)).To(BeTrue())
				var status apierrors.APIStatus
				g.Expect(errors.As(redacted, &status)).To(BeTrue(), "errors.As an APIStatus")
				var statusErr *apierrors.StatusError
				g.Expect(errors.As(redacted, &statusErr)).To(BeTrue(), "errors.As a *StatusError")
				g.Expect(apierrors.ReasonForError(redacted)).To(Equal(apierrors.ReasonForError(tt.err)))
			} else {
				var urlErr *url.Error
				g.Expect(errors.As(redacted, &urlErr)).To(BeTrue(), "errors.As a *url.Error")
				g.Expect(errors.Is(redacted, context.DeadlineExceeded)).To(Equal(errors.Is(tt.err, context.DeadlineExceeded)))
			}
		})
	}

	t.Run("nil", func(t *testing.T) {
		if err := Redact(op, nil); err != nil {
			t.Fatalf("Redact(op, nil) = %v, want nil", err)
		}
	})
}
