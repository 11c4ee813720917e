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
	"time"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// validityPeriods are the choices of the "Generate credentials" timer: the help pages' 7 days
// first among them (DefaultGrantDuration), shorter ones for a quick look, longer ones up to the
// operator's default cap (30 days).
var validityPeriods = []struct {
	Value string // spec.duration
	Label string
}{
	{"1h", "1 hour"},
	{"8h", "8 hours"},
	{"24h", "1 day"},
	{"72h", "3 days"},
	{supportaccessv1alpha1.DefaultGrantDuration, "7 days"},
	{"336h", "14 days"},
	{"720h", "30 days"},
}

// period is one choice as the page shows it.
type period struct {
	Value, Label string
	Selected     bool
	// Disabled says why the choice is not allowed; empty when it is.
	Disabled string
}

// periodsFor returns the choices of an account with settings s: those above the account's
// maxGrantDuration, or above the operator's cap when known, are disabled with the reason. The
// default is selected, or the longest allowed choice below it.
func periodsFor(s policy.Settings, operatorMax time.Duration) []period {
	def := mustParse(supportaccessv1alpha1.DefaultGrantDuration)
	out := make([]period, 0, len(validityPeriods))
	selected := -1
	for _, p := range validityPeriods {
		d := mustParse(p.Value)
		choice := period{Value: p.Value, Label: p.Label}
		switch {
		case s.MaxGrantDuration > 0 && d > s.MaxGrantDuration:
			choice.Disabled = "longer than this account allows (" + policy.FormatDuration(s.MaxGrantDuration) + ", its policy's maxGrantDuration)"
		case operatorMax > 0 && d > operatorMax:
			choice.Disabled = "longer than the operator allows (" + policy.FormatDuration(operatorMax) + ")"
		}
		// The choices are in ascending order: the last allowed one up to the default wins.
		if choice.Disabled == "" && d <= def {
			selected = len(out)
		}
		out = append(out, choice)
	}
	if selected >= 0 {
		out[selected].Selected = true
	}
	return out
}

// anyPeriodAllowed reports whether one of periods may be chosen.
func anyPeriodAllowed(periods []period) bool {
	for _, p := range periods {
		if p.Disabled == "" {
			return true
		}
	}
	return false
}

// allowedPeriod reports whether value is one of the timer's choices: the form may send no other.
func allowedPeriod(value string) bool {
	for _, p := range validityPeriods {
		if p.Value == value {
			return true
		}
	}
	return false
}

func mustParse(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}
