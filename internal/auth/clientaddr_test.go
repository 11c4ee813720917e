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
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/supportaccess/support-access-operator/internal/throttle"
)

func TestClientAddress(t *testing.T) {
	// An ingress at 10.0.0.0/8 and a cloud load balancer at 192.0.2.10.
	trusted, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.10,2001:db8::/32 ")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		peer    string
		xff     []string
		trusted bool // use the trusted proxies above; none otherwise
		want    string
	}{
		{name: "no proxy trusted: the header is ignored", peer: "203.0.113.7:5000", xff: []string{"198.51.100.1"}, want: "203.0.113.7"},
		{name: "untrusted peer: the header is ignored", peer: "203.0.113.7:5000", xff: []string{"198.51.100.1"}, trusted: true, want: "203.0.113.7"},
		{name: "trusted peer: the hop it appended", peer: "10.1.2.3:5000", xff: []string{"198.51.100.1"}, trusted: true, want: "198.51.100.1"},
		{name: "a client's own header left of the real hop is not believed", peer: "10.1.2.3:5000",
			xff: []string{"1.2.3.4, 198.51.100.1"}, trusted: true, want: "198.51.100.1"},
		{name: "a chain of trusted proxies is walked", peer: "10.1.2.3:5000",
			xff: []string{"198.51.100.1, 192.0.2.10", "10.9.9.9"}, trusted: true, want: "198.51.100.1"},
		{name: "trusted peer without the header: the peer", peer: "10.1.2.3:5000", trusted: true, want: "10.1.2.3"},
		{name: "garbage stops at the last trusted hop", peer: "10.1.2.3:5000", xff: []string{"198.51.100.1, not-an-ip"}, trusted: true, want: "10.1.2.3"},
		{name: "only trusted hops: the farthest", peer: "10.1.2.3:5000", xff: []string{"10.4.4.4"}, trusted: true, want: "10.4.4.4"},
		{name: "IPv6 through an IPv6 proxy", peer: "[2001:db8::1]:443", xff: []string{"2a00:1450::5"}, trusted: true, want: "2a00:1450::5"},
		{name: "IPv4-mapped peer counts as IPv4", peer: "[::ffff:10.1.2.3]:443", xff: []string{"198.51.100.1"}, trusted: true, want: "198.51.100.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/v1/login", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			var proxies = trusted
			if !tt.trusted {
				proxies = nil
			}
			if got := clientAddress(r, proxies); got != tt.want {
				t.Fatalf("clientAddress = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1:80"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted it", bad)
		}
	}
	got, err := ParseTrustedProxies("")
	if err != nil || len(got) != 0 {
		t.Fatalf("empty: %v, %v", got, err)
	}
}

// TestLoginThrottleBehindTrustedProxy sends failed logins through the real handler from one
// trusted proxy on behalf of two clients: only the client that failed is throttled, and the proxy
// itself is not. Without the proxy trusted, both would share its counter.
func TestLoginThrottleBehindTrustedProxy(t *testing.T) {
	const proxy, attacker, user = "10.0.0.5:40000", "198.51.100.66", "198.51.100.7"
	for _, trust := range []bool{true, false} {
		t.Run(fmt.Sprintf("trusted=%v", trust), func(t *testing.T) {
			svc := offlineService()
			svc.addresses = throttle.New(throttle.Config{Window: time.Minute, MaxFailures: 3, MaxKeys: 100,
				Clock: clocktesting.NewFakeClock(time.Now())})
			if trust {
				svc.trustedProxies, _ = ParseTrustedProxies("10.0.0.0/8")
			}
			h := svc.Handler()
			login := func(client string, i int) int {
				body := fmt.Sprintf(`{"email":"support-%d@support.test","password":"wrong"}`, i)
				r := httptest.NewRequest(http.MethodPost, "/v1/login", strings.NewReader(body))
				r.RemoteAddr = proxy
				r.Header.Set("X-Forwarded-For", client)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Code
			}
			for i := range 3 {
				if code := login(attacker, i); code != http.StatusUnauthorized {
					t.Fatalf("failure %d: status %d, want 401", i+1, code)
				}
			}
			if code := login(attacker, 3); code != http.StatusTooManyRequests {
				t.Fatalf("attacker after 3 failures: status %d, want 429", code)
			}
			want := http.StatusUnauthorized // another client of the same proxy: not throttled
			if !trust {
				want = http.StatusTooManyRequests // everyone behind the proxy shares its counter
			}
			if code := login(user, 4); code != want {
				t.Fatalf("other client: status %d, want %d", code, want)
			}
		})
	}
}
