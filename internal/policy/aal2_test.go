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
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMeetsAAL2(t *testing.T) {
	tests := []struct {
		inactivity, lifetime time.Duration
		want                 bool
		wantMsg              string
	}{
		{inactivity: 15 * time.Minute, lifetime: 12 * time.Hour, want: true, wantMsg: "meet NIST SP 800-63B-4 AAL2"},
		{inactivity: time.Hour, lifetime: 24 * time.Hour, want: true, wantMsg: "inactivity timeout 1h and session lifetime 24h meet"},
		{inactivity: time.Hour + time.Second, lifetime: 12 * time.Hour, want: false, wantMsg: "inactivity timeout 1h0m1s is longer"},
		{inactivity: 2 * time.Hour, lifetime: 12 * time.Hour, want: false, wantMsg: "inactivity timeout 2h is longer than NIST SP 800-63B-4 AAL2 allows (at most 1h)"},
		{inactivity: 12 * time.Hour, lifetime: 12 * time.Hour, want: false, wantMsg: "12h is longer"},
		{inactivity: 30 * time.Minute, lifetime: 25 * time.Hour, want: false, wantMsg: "session lifetime 25h is longer"},
		{inactivity: 2 * time.Hour, lifetime: 25 * time.Hour, want: false, wantMsg: "are longer than NIST SP 800-63B-4 AAL2 allows (at most 1h and 24h)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%v", tt.inactivity, tt.lifetime), func(t *testing.T) {
			ok, msg := MeetsAAL2(Settings{InactivityTimeout: tt.inactivity, MaxSessionLifetime: tt.lifetime})
			if ok != tt.want || !strings.Contains(msg, tt.wantMsg) {
				t.Fatalf("MeetsAAL2() = %v, %q; want %v and a message containing %q", ok, msg, tt.want, tt.wantMsg)
			}
		})
	}
	if ok, _ := MeetsAAL2(Defaults()); !ok {
		t.Error("the defaults must meet AAL2")
	}
}
