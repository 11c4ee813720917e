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
	"net/http/httptest"
	"testing"
)

func TestCookieToken(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    string
		ok      bool
	}{
		{"alone", []string{CookieName + "=sat_abc"}, "sat_abc", true},
		{"among others", []string{"theme=dark; " + CookieName + "=sat_abc; lang=en"}, "sat_abc", true},
		{"no spaces", []string{"a=1;" + CookieName + "=sat_abc;b=2"}, "sat_abc", true},
		{"in a second Cookie header", []string{"a=1", CookieName + "=sat_abc"}, "sat_abc", true},
		{"the first of two wins", []string{CookieName + "=sat_first; " + CookieName + "=sat_second"}, "sat_first", true},
		{"a longer name", []string{CookieName + "x=sat_abc"}, "", false},
		{"a name ending in ours", []string{"x" + CookieName + "=sat_abc"}, "", false},
		{"without the prefix", []string{"supportaccess=sat_abc"}, "", false},
		{"empty", []string{CookieName + "="}, "", false},
		{"none", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, h := range tt.headers {
				r.Header.Add("Cookie", h)
			}
			got, ok := cookieToken(r)
			if got != tt.want || ok != tt.ok {
				t.Errorf("cookieToken = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
			if testing.AllocsPerRun(100, func() { _, _ = cookieToken(r) }) != 0 {
				t.Error("cookieToken allocates")
			}
		})
	}
}
