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

package pagerules

import (
	supportv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// AccessLevel is the level a page needs. It is the grant's own type, so the level a rule requires
// compares directly with the level a session holds, with no string conversion to get wrong.
type AccessLevel = supportv1alpha1.AccessLevel

const (
	// Full pages hold personal data: only Full sessions may see them.
	Full AccessLevel = supportv1alpha1.AccessLevelFull
	// Limited pages may be seen by every session.
	Limited AccessLevel = supportv1alpha1.AccessLevelLimited
)

// Permits reports whether a session holding have may see a page that needs need. Anything other
// than the two known levels, on either side, is refused: an unknown level must never widen access.
func Permits(have, need AccessLevel) bool {
	switch need {
	case Limited:
		return have == Limited || have == Full
	case Full:
		return have == Full
	default:
		return false
	}
}

// validLevel reports whether l is one of the two levels a rules file may name.
func validLevel(l AccessLevel) bool {
	return l == Full || l == Limited
}
