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
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

func TestGrantsLongerThan(t *testing.T) {
	now := epoch.Add(time.Hour)
	grant := func(name string, duration time.Duration, mutate ...func(*supportaccessv1alpha1.SupportAccessGrant)) supportaccessv1alpha1.SupportAccessGrant {
		g := supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.Time{Time: epoch}}}
		if duration != 0 {
			g.Spec.Duration = &metav1.Duration{Duration: duration}
		}
		for _, m := range mutate {
			m(&g)
		}
		return g
	}
	grants := []supportaccessv1alpha1.SupportAccessGrant{
		grant("g-long", 48*time.Hour),
		grant("c-default-7d", 0),
		grant("b-short", 24*time.Hour),
		grant("a-revoked", 48*time.Hour, func(g *supportaccessv1alpha1.SupportAccessGrant) { g.Spec.Revoked = true }),
		grant("d-expired", 30*time.Minute),
		grant("e-deleting", 48*time.Hour, func(g *supportaccessv1alpha1.SupportAccessGrant) { g.DeletionTimestamp = &metav1.Time{Time: now} }),
		grant("f-renewed-long", 30*time.Hour, func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.Spec.RenewedAt = &metav1.Time{Time: now}
		}),
	}
	tests := []struct {
		name      string
		limit     time.Duration
		maxNames  int
		wantNames []string
		wantTotal int
	}{
		{name: "24h cap", limit: 24 * time.Hour, maxNames: 5, wantNames: []string{"c-default-7d", "f-renewed-long", "g-long"}, wantTotal: 3},
		{name: "names truncated, total kept", limit: 24 * time.Hour, maxNames: 2, wantNames: []string{"c-default-7d", "f-renewed-long"}, wantTotal: 3},
		{name: "cap above every grant", limit: 720 * time.Hour, maxNames: 5, wantTotal: 0},
		{name: "no cap", limit: 0, maxNames: 5, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, total := GrantsLongerThan(grants, tt.limit, now, tt.maxNames)
			if total != tt.wantTotal || strings.Join(names, ",") != strings.Join(tt.wantNames, ",") {
				t.Fatalf("GrantsLongerThan() = %v, %d; want %v, %d", names, total, tt.wantNames, tt.wantTotal)
			}
		})
	}
}
