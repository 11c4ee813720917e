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

package session

import (
	"testing"
	"time"
)

// Issue 12 item 10: activity a replica with a clock ahead of this one's wrote is activity, not
// forgery, and counts at most MaxClockSkew ahead of this replica's clock.
func TestRemoteActivityAheadOfTheClock(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		remote time.Time
		want   time.Time
	}{
		{"behind", now.Add(-time.Minute), now.Add(-time.Minute)},
		{"a replica 30 s ahead", now.Add(30 * time.Second), now.Add(30 * time.Second)},
		{"a replica 5 min ahead: capped", now.Add(5 * time.Minute), now.Add(MaxClockSkew)},
		{"a century ahead: capped", now.Add(100 * 365 * 24 * time.Hour), now.Add(MaxClockSkew)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{}
			s.Touch(now.Add(-time.Hour))
			s.observeRemote(tt.remote, now)
			if got := s.LastActivity(); !got.Equal(tt.want) {
				t.Fatalf("last activity %s, want %s", got, tt.want)
			}
		})
	}
}
