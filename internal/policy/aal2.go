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

package policy

import "time"

// NIST SP 800-63B-4 AAL2 reauthentication limits.
const (
	// AAL2MaxInactivity is the longest inactivity AAL2 allows before reauthentication.
	AAL2MaxInactivity = time.Hour
	// AAL2MaxLifetime is the longest a session may last at AAL2, however active.
	AAL2MaxLifetime = 24 * time.Hour
)

// MeetsAAL2 reports whether settings meet the reauthentication limits of NIST SP 800-63B-4 at
// AAL2 (inactivity at most 1h, session lifetime at most 24h), and says why in one sentence
// suitable for a condition message or an admission warning.
func MeetsAAL2(s Settings) (bool, string) {
	inactivityOK := s.InactivityTimeout <= AAL2MaxInactivity
	lifetimeOK := s.MaxSessionLifetime <= AAL2MaxLifetime
	switch {
	case inactivityOK && lifetimeOK:
		return true, "inactivity timeout " + FormatDuration(s.InactivityTimeout) + " and session lifetime " +
			FormatDuration(s.MaxSessionLifetime) + " meet NIST SP 800-63B-4 AAL2 (at most 1h and 24h)"
	case !inactivityOK && lifetimeOK:
		return false, "inactivity timeout " + FormatDuration(s.InactivityTimeout) +
			" is longer than NIST SP 800-63B-4 AAL2 allows (at most 1h); choose 15m, 30m or 1h to meet it"
	case inactivityOK:
		return false, "session lifetime " + FormatDuration(s.MaxSessionLifetime) +
			" is longer than NIST SP 800-63B-4 AAL2 allows (at most 24h)"
	default:
		return false, "inactivity timeout " + FormatDuration(s.InactivityTimeout) + " and session lifetime " +
			FormatDuration(s.MaxSessionLifetime) + " are longer than NIST SP 800-63B-4 AAL2 allows (at most 1h and 24h)"
	}
}
