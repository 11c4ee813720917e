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

// Package validate checks the plugin's arguments and flag values before anything is sent, so that a
// typo gets a message naming the flag and what it accepts instead of an API error, or worse, a
// request that does something else than meant. Values come back normalised, ready to send.
package validate

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

const (
	// minGrantDuration is the shortest grant the API accepts (docs/reference.md#grant-spec).
	minGrantDuration = 15 * time.Minute
	// maxDurationValue is the longest duration the CRD's pattern can express (5 digits of hours).
	maxDurationValue = 99999 * time.Hour
	// maxReasonLength is spec.reason's limit.
	maxReasonLength = 1024
	// maxEmailLength is RFC 5321's path limit, which the auth service enforces too.
	maxEmailLength = 254
)

// flagError is the one format of every bad flag value: the flag, the value, what it must be.
func flagError(flag, value, must string) error {
	return fmt.Errorf("invalid --%s %q: %s", flag, value, must)
}

// GrantName checks a SupportAccessGrant name: a DNS-1123 subdomain short enough that the default
// Secret name ("<name>-credentials") is one too.
func GrantName(name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fmt.Errorf("invalid grant name %q: %s", name, strings.Join(errs, "; "))
	}
	if limit := validation.DNS1123SubdomainMaxLength - len(supportaccessv1alpha1.SecretNameSuffix); len(name) > limit {
		return fmt.Errorf("invalid grant name %q: must be no more than %d characters, so that its Secret %q fits", name, limit, name+supportaccessv1alpha1.SecretNameSuffix)
	}
	return nil
}

// AccessLevel parses --access: limited or full, in any case.
func AccessLevel(value string) (supportaccessv1alpha1.AccessLevel, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "limited":
		return supportaccessv1alpha1.AccessLevelLimited, nil
	case "full":
		return supportaccessv1alpha1.AccessLevelFull, nil
	}
	return "", flagError("access", value, "must be limited (no personal data) or full (includes personal data)")
}

// GrantDuration parses --duration: at least 15m. The upper bound (the account's maxGrantDuration,
// or the operator's limit) is the server's to enforce; it answers with the limit.
func GrantDuration(value string) (string, error) {
	return boundedDuration("duration", value, minGrantDuration, maxDurationValue)
}

// Reason checks --reason against spec.reason's length limit.
func Reason(value string) error {
	if n := len(value); n > maxReasonLength {
		return fmt.Errorf("invalid --reason: %d bytes long, must be at most %d", n, maxReasonLength)
	}
	return nil
}

// InactivityTimeout parses --inactivity-timeout: one of the allowed choices. Equivalent spellings
// ("60m" for "1h") are accepted and sent in the API's own spelling.
func InactivityTimeout(value string) (supportaccessv1alpha1.InactivityTimeout, error) {
	allowed := make([]string, 0, len(supportaccessv1alpha1.InactivityTimeouts))
	for _, t := range supportaccessv1alpha1.InactivityTimeouts {
		allowed = append(allowed, string(t))
	}
	must := "must be one of " + strings.Join(allowed, ", ")
	d, err := time.ParseDuration(strings.TrimSpace(value))
	if err != nil {
		return "", flagError("inactivity-timeout", value, must)
	}
	for _, t := range supportaccessv1alpha1.InactivityTimeouts {
		if td, _ := t.Duration(); td == d {
			return t, nil
		}
	}
	return "", flagError("inactivity-timeout", value, must)
}

// MaxSessionLifetime parses --max-session-lifetime: between 15m and 24h.
func MaxSessionLifetime(value string) (string, error) {
	return boundedDuration("max-session-lifetime", value, policy.MinMaxSessionLifetime, policy.MaxMaxSessionLifetime)
}

// MaxGrantDuration parses --max-grant-duration: at least 15m.
func MaxGrantDuration(value string) (string, error) {
	return boundedDuration("max-grant-duration", value, minGrantDuration, maxDurationValue)
}

// boundedDuration parses a Go duration within [lo, hi] and returns it the way people write it
// ("168h", "1h30m"), which the CRD's pattern accepts.
func boundedDuration(flag, value string, lo, hi time.Duration) (string, error) {
	d, err := time.ParseDuration(strings.TrimSpace(value))
	if err != nil {
		return "", flagError(flag, value, "not a duration: use hours, minutes and seconds, e.g. 168h for 7 days, 1h30m or 45m")
	}
	if d < lo {
		return "", flagError(flag, value, "must be at least "+policy.FormatDuration(lo))
	}
	if d > hi {
		return "", flagError(flag, value, "must be at most "+policy.FormatDuration(hi))
	}
	return policy.FormatDuration(d), nil
}

// Email checks --email and returns it in the form the auth service keys sessions by (trimmed,
// lower case).
func Email(value string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(value))
	if email == "" {
		return "", fmt.Errorf("--email is required: the login email of the grant, as `kubectl supportaccess credentials` shows it")
	}
	if len(email) > maxEmailLength {
		return "", flagError("email", value, fmt.Sprintf("must be at most %d characters", maxEmailLength))
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return "", flagError("email", value, "must be a plain email address such as support-abc123@support.invalid")
	}
	return email, nil
}

// Output checks -o against the formats a command offers.
func Output(value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return flagError("output", value, "must be one of "+strings.Join(allowed, ", "))
}
