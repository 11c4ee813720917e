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

import (
	"flag"
	"strings"
	"testing"
)

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

// Issue 12 item 9: logins are matched lower-cased, so an upper-case --login-domain used to issue
// emails nobody could log in with; a domain that is no DNS name is refused at start.
func TestLoginDomainFlag(t *testing.T) {
	tests := []struct {
		value   string
		want    string
		wantErr bool
	}{
		{value: "support.example", want: "support.example"},
		{value: "Support.Example.COM", want: "support.example.com"},
		{value: "support.invalid", want: "support.invalid"},
		{value: "", wantErr: true},
		{value: "not a domain", wantErr: true},
		{value: "under_score.example", wantErr: true},
		{value: "trailing.dot.", wantErr: true},
		{value: "a@b.example", wantErr: true},
		{value: "-leading.example", wantErr: true},
		// 221 characters leave 254 for support-<24>@<domain>: the cache keeps no longer email.
		{value: strings.Repeat("a.", 110) + "b", want: strings.Repeat("a.", 110) + "b"},
		{value: strings.Repeat("a.", 111) + "b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			o, _, err := parseFlags(flag.NewFlagSet("manager", flag.ContinueOnError), []string{"--login-domain=" + tt.value})
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags(--login-domain=%q) error = %v, want error %v", tt.value, err, tt.wantErr)
			}
			if err == nil && o.loginDomain != tt.want {
				t.Fatalf("login domain %q, want %q", o.loginDomain, tt.want)
			}
		})
	}
}

func TestLoginURLFlag(t *testing.T) {
	for _, tt := range []struct {
		length  int
		wantErr bool
	}{{0, false}, {2048, false}, {2049, true}} {
		url := ""
		if tt.length > 0 {
			url = "https://" + strings.Repeat("u", tt.length-len("https://"))
		}
		_, _, err := parseFlags(flag.NewFlagSet("manager", flag.ContinueOnError), []string{"--login-url=" + url})
		if (err != nil) != tt.wantErr {
			t.Errorf("--login-url of %d characters: error %v, want error %v", tt.length, err, tt.wantErr)
		}
	}
}
