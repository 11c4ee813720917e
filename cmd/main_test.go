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

package main

import "testing"

func TestBeyondLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"0", false}, {"", false},
		{"127.0.0.1:8082", false}, {"[::1]:8082", false}, {"localhost:8082", false},
		{":8082", true}, {"0.0.0.0:8082", true}, {"10.0.0.4:8082", true}, {"pod.example:8082", true}, {"8082", true},
	}
	for _, tt := range tests {
		if got := beyondLoopback(tt.addr); got != tt.want {
			t.Errorf("beyondLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
