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

package usage

import (
	"testing"
	"time"
)

func TestPatch(t *testing.T) {
	used := time.Date(2026, 11, 24, 10, 30, 15, 987654321, time.FixedZone("CET", 3600))
	var zero time.Time
	tests := []struct {
		name     string
		active   int32
		lastUsed *time.Time
		want     string
		wantErr  bool
	}{
		{name: "sessions and last use", active: 3, lastUsed: &used,
			want: `{"status":{"activeSessions":3,"lastUsedAt":"2026-11-24T09:30:15Z"}}`},
		{name: "count only: lastUsedAt untouched", active: 2,
			want: `{"status":{"activeSessions":2}}`},
		{name: "zero is written, not omitted", active: 0,
			want: `{"status":{"activeSessions":0}}`},
		{name: "a zero time never clears lastUsedAt", active: 1, lastUsed: &zero,
			want: `{"status":{"activeSessions":1}}`},
		{name: "negative count refused", active: -1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Patch(tt.active, tt.lastUsed)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Patch = %s, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Patch: %v", err)
			}
			if string(got) != tt.want {
				t.Fatalf("Patch = %s, want %s", got, tt.want)
			}
		})
	}
}
