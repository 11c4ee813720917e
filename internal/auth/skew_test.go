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

package auth

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// Issue 12 item 10: replicas' clocks disagree a little. A session logged in on a replica ahead of
// this one, or used there, stays valid here: skew is never read as forgery. Only a login time
// more than session.MaxClockSkew ahead is refused (until this clock catches up), and never
// counted as a dead session for the janitor to delete.
func TestClockSkewIsNotForgery(t *testing.T) {
	svc := offlineService()
	now := svc.clock.Now()
	email, _ := credentials.LoginEmail(svc.index.ring, "uid-1", "support.test")
	grant := &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "g", UID: "uid-1", CreationTimestamp: metav1.Time{Time: now.Add(-time.Hour)}},
		Status: supportaccessv1alpha1.SupportAccessGrantStatus{Phase: "Active", LoginEmail: email,
			IssuedAt: &metav1.Time{Time: now.Add(-time.Hour).Truncate(time.Second)}},
	}
	svc.index.grants.Store(types.NamespacedName{Namespace: "acme", Name: "g"}, newGrantState(grant, svc.index.ring, 720*time.Hour))
	tests := []struct {
		name    string
		created time.Duration // login time relative to this replica's now
		want    string
	}{
		{"logged in here", -time.Minute, resultValid},
		{"logged in on a replica 30 s ahead", 30 * time.Second, resultValid},
		{"logged in on a replica 59 s ahead", 59 * time.Second, resultValid},
		{"logged in on a replica 5 min ahead", 5 * time.Minute, resultClockSkew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, sess, err := session.NewSealed("acme", "g", "uid-1", email, grant.Status.IssuedAt.Time, now.Add(tt.created), session.KindAPI)
			if err != nil {
				t.Fatal(err)
			}
			if _, result := svc.checkSession(sess, now); result != tt.want {
				t.Fatalf("result %q, want %q", result, tt.want)
			}
		})
	}
}
