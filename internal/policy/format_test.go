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
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		168 * time.Hour:                    "168h",
		720 * time.Hour:                    "720h",
		15 * time.Minute:                   "15m",
		90 * time.Minute:                   "1h30m",
		time.Hour + time.Second:            "1h0m1s",
		14*time.Minute + 59*time.Second:    "14m59s",
		30 * time.Second:                   "30s",
		0:                                  "0s",
		time.Hour + 500*time.Millisecond:   "1h0m0.5s",
		100*time.Hour + 10*time.Nanosecond: "100h0m0.00000001s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", int64(d), got, want)
		}
	}
}

func TestNameList(t *testing.T) {
	tests := []struct {
		names []string
		total int
		want  string
	}{
		{names: nil, total: 0, want: ""},
		{names: []string{"a"}, total: 1, want: "a"},
		{names: []string{"a", "b"}, total: 2, want: "a, b"},
		{names: []string{"a", "b"}, total: 7, want: "a, b and 5 more"},
	}
	for _, tt := range tests {
		if got := NameList(tt.names, tt.total); got != tt.want {
			t.Errorf("NameList(%v, %d) = %q, want %q", tt.names, tt.total, got, tt.want)
		}
	}
}
