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

package console

import (
	"fmt"
	"time"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// countdown writes the time left until a deadline the way the page's script does (web/console.js
// keeps the same format as it counts down): days and hours far off, seconds in the last hour.
func countdown(left time.Duration) string {
	if left <= 0 {
		return "expired"
	}
	left = left.Truncate(time.Second)
	days, hours := int(left/(24*time.Hour)), int(left%(24*time.Hour)/time.Hour)
	minutes, seconds := int(left%time.Hour/time.Minute), int(left%time.Minute/time.Second)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh %dm", days, hours, minutes)
	case hours > 0:
		return fmt.Sprintf("%dh %dm %ds", hours, minutes, seconds)
	}
	return fmt.Sprintf("%dm %ds", minutes, seconds)
}

// timeoutLabel says an inactivity timeout in words: "30 minutes", "1 hour".
func timeoutLabel(t supportaccessv1alpha1.InactivityTimeout) string {
	d, ok := t.Duration()
	if !ok {
		return string(t)
	}
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	case d == time.Hour:
		return "1 hour"
	}
	return fmt.Sprintf("%d hours", int(d/time.Hour))
}

// stamp writes a time for the page, in UTC to the second; "never" when zero.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// timeFormat is how the console writes times to the API (spec.renewedAt).
const timeFormat = time.RFC3339
