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

// Package expiry computes a grant's validity window from its spec. The grant controller and the
// auth service both use it, so "is this grant valid now" has one answer everywhere.
package expiry

import (
	"time"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// WarningFraction is how far into the window the ExpiringSoon warning fires.
const WarningFraction = 0.8

// MaxRenewalLead is how far ahead of now a window may start (spec.renewedAt) and still count: room
// for clock skew. The webhook refuses more; should a grant get past it (webhooks disabled), it
// gives no access until then rather than access until far into the future.
const MaxRenewalLead = 5 * time.Minute

// Window is a grant's validity: [Start, End).
type Window struct {
	Start time.Time
	End   time.Time
}

// Duration returns the length of the window a grant asks for: spec.duration, or the 7-day
// default, capped at maxDuration (the operator's --max-grant-duration) when maxDuration > 0. The
// cap holds even for grants admitted while the webhook was down.
func Duration(grant *supportaccessv1alpha1.SupportAccessGrant, maxDuration time.Duration) time.Duration {
	d := 168 * time.Hour
	if grant.Spec.Duration != nil && grant.Spec.Duration.Duration > 0 {
		d = grant.Spec.Duration.Duration
	}
	if maxDuration > 0 && d > maxDuration {
		d = maxDuration
	}
	return d
}

// Of returns the validity window of grant: from spec.renewedAt when set, otherwise from the
// grant's creation, for Duration(grant, maxDuration).
func Of(grant *supportaccessv1alpha1.SupportAccessGrant, maxDuration time.Duration) Window {
	start := grant.CreationTimestamp.Time
	if grant.Spec.RenewedAt != nil {
		start = grant.Spec.RenewedAt.Time
	}
	return Window{Start: start, End: start.Add(Duration(grant, maxDuration))}
}

// NotYetValid reports whether the window starts more than MaxRenewalLead after now.
func (w Window) NotYetValid(now time.Time) bool {
	return w.Start.After(now.Add(MaxRenewalLead))
}

// Expired reports whether the window has ended at now. The end itself is outside the window:
// a check at exactly expiresAt is refused.
func (w Window) Expired(now time.Time) bool {
	return !now.Before(w.End)
}

// Remaining returns the time left until the end of the window, never negative.
func (w Window) Remaining(now time.Time) time.Duration {
	if d := w.End.Sub(now); d > 0 {
		return d
	}
	return 0
}

// WarnAt returns when the ExpiringSoon warning is due: WarningFraction of the way through.
func (w Window) WarnAt() time.Time {
	return w.Start.Add(time.Duration(float64(w.End.Sub(w.Start)) * WarningFraction))
}
