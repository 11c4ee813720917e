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

package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/expiry"
)

func TestNextCheck(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	w := expiry.Window{Start: start, End: start.Add(10 * time.Hour)} // warning due at 8h
	tests := []struct {
		name string
		now  time.Time
		want time.Duration
	}{
		{name: "before the warning: wake for the warning", now: start.Add(time.Hour), want: 7 * time.Hour},
		{name: "after the warning: wake at the exact expiry", now: start.Add(9 * time.Hour), want: time.Hour},
		{name: "at the warning: wake at the expiry", now: start.Add(8 * time.Hour), want: 2 * time.Hour},
		{name: "already past the end: never a non-positive requeue", now: w.End.Add(time.Second), want: time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextCheck(w, tt.now); got != tt.want {
				t.Fatalf("nextCheck = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRoleBindingNameFitsTheAPI(t *testing.T) {
	long := make([]byte, 253)
	for i := range long {
		long[i] = 'a'
	}
	tests := []struct {
		grant string
		want  string
	}{
		{grant: "ticket-1", want: "supportaccess-ticket-1"},
	}
	for _, tt := range tests {
		if got := RoleBindingName(grantNamed(tt.grant)); got != tt.want {
			t.Errorf("RoleBindingName(%q) = %q, want %q", tt.grant, got, tt.want)
		}
	}
	a := RoleBindingName(grantNamed(string(long)))
	b := RoleBindingName(grantNamed(string(long[:252]) + "b"))
	if len(a) > 253 || len(b) > 253 {
		t.Fatalf("names of %d and %d characters exceed 253", len(a), len(b))
	}
	if a == b {
		t.Fatalf("two long grant names share RoleBinding %q", a)
	}
}

func grantNamed(name string) *supportaccessv1alpha1.SupportAccessGrant {
	return &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Name: name}}
}
