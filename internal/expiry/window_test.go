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

package expiry

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

func TestWindow(t *testing.T) {
	created := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	renewed := created.Add(48 * time.Hour)
	tests := []struct {
		name      string
		duration  *metav1.Duration
		renewedAt *metav1.Time
		max       time.Duration
		wantStart time.Time
		wantEnd   time.Time
	}{
		{name: "default 7 days from creation", wantStart: created, wantEnd: created.Add(168 * time.Hour)},
		{name: "explicit duration", duration: &metav1.Duration{Duration: 30 * time.Minute}, wantStart: created, wantEnd: created.Add(30 * time.Minute)},
		{name: "renewal restarts the window", renewedAt: &metav1.Time{Time: renewed}, wantStart: renewed, wantEnd: renewed.Add(168 * time.Hour)},
		{name: "capped by the operator maximum", duration: &metav1.Duration{Duration: 2000 * time.Hour}, max: 720 * time.Hour, wantStart: created, wantEnd: created.Add(720 * time.Hour)},
		{name: "under the maximum untouched", duration: &metav1.Duration{Duration: time.Hour}, max: 720 * time.Hour, wantStart: created, wantEnd: created.Add(time.Hour)},
		{name: "zero duration means the default", duration: &metav1.Duration{}, wantStart: created, wantEnd: created.Add(168 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &supportaccessv1alpha1.SupportAccessGrant{
				ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.Time{Time: created}},
				Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{Duration: tt.duration, RenewedAt: tt.renewedAt},
			}
			w := Of(g, tt.max)
			if !w.Start.Equal(tt.wantStart) || !w.End.Equal(tt.wantEnd) {
				t.Fatalf("window [%s, %s), want [%s, %s)", w.Start, w.End, tt.wantStart, tt.wantEnd)
			}
		})
	}
}

func TestExpiredAndRemaining(t *testing.T) {
	start := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	w := Window{Start: start, End: start.Add(10 * time.Hour)}
	tests := []struct {
		name          string
		now           time.Time
		wantExpired   bool
		wantRemaining time.Duration
	}{
		{name: "inside", now: start.Add(time.Hour), wantRemaining: 9 * time.Hour},
		{name: "one nanosecond before the end", now: w.End.Add(-1), wantRemaining: 1},
		{name: "exactly at the end is expired", now: w.End, wantExpired: true},
		{name: "after the end", now: w.End.Add(time.Hour), wantExpired: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := w.Expired(tt.now); got != tt.wantExpired {
				t.Errorf("Expired = %v, want %v", got, tt.wantExpired)
			}
			if got := w.Remaining(tt.now); got != tt.wantRemaining {
				t.Errorf("Remaining = %s, want %s", got, tt.wantRemaining)
			}
		})
	}
	if got, want := w.WarnAt(), start.Add(8*time.Hour); !got.Equal(want) {
		t.Errorf("WarnAt = %s, want %s", got, want)
	}
}
