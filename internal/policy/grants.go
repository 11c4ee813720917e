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

import (
	"slices"
	"time"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/expiry"
)

// MaxNamedGrants is how many grant names a warning or condition message lists before "and N more".
const MaxNamedGrants = 5

// GrantsLongerThan returns the sorted names of the live grants among grants whose spec.duration
// (the 7-day default when unset) is longer than limit, at most maxNames of them, and how many there
// are in all. Live means neither revoked, nor being deleted, nor past its window at now. A policy
// may lower maxGrantDuration below such grants: the cap applies to them at once (GrantCap), and the
// policy's admission warning and GrantsExceedMaxDuration condition name them.
func GrantsLongerThan(grants []supportaccessv1alpha1.SupportAccessGrant, limit time.Duration, now time.Time, maxNames int) (names []string, total int) {
	if limit <= 0 {
		return nil, 0
	}
	for i := range grants {
		g := &grants[i]
		if g.Spec.Revoked || g.DeletionTimestamp != nil || expiry.Of(g, 0).Expired(now) {
			continue
		}
		if expiry.Duration(g, 0) > limit {
			total++
			names = append(names, g.Name)
		}
	}
	// Sorted, so a status built from the names only changes when the set does.
	slices.Sort(names)
	if len(names) > maxNames {
		names = names[:max(maxNames, 0)]
	}
	return names, total
}
