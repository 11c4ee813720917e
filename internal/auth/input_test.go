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
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/throttle"
)

func TestBadInputGetsAClear4xx(t *testing.T) {
	clk.SetTime(time.Now())
	huge := `{"email":"` + strings.Repeat("a", 70<<10) + `","password":"x"}`
	tests := []struct {
		name       string
		method     string
		path       string
		auth       string
		body       string
		wantStatus int
		wantError  string
	}{
		{name: "login with GET", method: http.MethodGet, path: "/v1/login", wantStatus: 405, wantError: "method_not_allowed"},
		{name: "tokenreview with GET", method: http.MethodGet, path: "/tokenreview", wantStatus: 405},
		{name: "session with POST", method: http.MethodPost, path: "/v1/session", wantStatus: 405},
		{name: "logout with GET", method: http.MethodGet, path: "/v1/logout", wantStatus: 405},
		{name: "login without body", method: http.MethodPost, path: "/v1/login", wantStatus: 400, wantError: "malformed_json"},
		{name: "login malformed JSON", method: http.MethodPost, path: "/v1/login", body: `{"email":`, wantStatus: 400, wantError: "malformed_json"},
		{name: "login JSON array", method: http.MethodPost, path: "/v1/login", body: `[1,2]`, wantStatus: 400, wantError: "malformed_json"},
		{name: "login trailing data", method: http.MethodPost, path: "/v1/login", body: `{"email":"a","password":"b"} {}`, wantStatus: 400, wantError: "malformed_json"},
		{name: "login unknown field", method: http.MethodPost, path: "/v1/login", body: `{"email":"a@b","password":"c","admin":true}`, wantStatus: 400, wantError: "malformed_json"},
		{name: "login wrong types", method: http.MethodPost, path: "/v1/login", body: `{"email":1,"password":true}`, wantStatus: 400, wantError: "malformed_json"},
		{name: "login empty password", method: http.MethodPost, path: "/v1/login", body: `{"email":"a@b","password":""}`, wantStatus: 400, wantError: "missing_field"},
		{name: "login missing email", method: http.MethodPost, path: "/v1/login", body: `{"password":"x"}`, wantStatus: 400, wantError: "missing_field"},
		{name: "login email too long", method: http.MethodPost, path: "/v1/login", body: `{"email":"` + strings.Repeat("a", 300) + `","password":"x"}`, wantStatus: 400, wantError: "field_too_long"},
		{name: "login oversized body", method: http.MethodPost, path: "/v1/login", body: huge, wantStatus: 413, wantError: "body_too_large"},
		{name: "tokenreview oversized body", method: http.MethodPost, path: "/tokenreview", body: huge, wantStatus: 413},
		{name: "tokenreview malformed JSON", method: http.MethodPost, path: "/tokenreview", body: `{"spec":`, wantStatus: 400},
		{name: "tokenreview v1beta1", method: http.MethodPost, path: "/tokenreview", body: `{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview","spec":{"token":"x"}}`, wantStatus: 400, wantError: "unsupported_version"},
		{name: "session without Authorization", method: http.MethodGet, path: "/v1/session", wantStatus: 401, wantError: "missing_token"},
		{name: "session with Basic auth", method: http.MethodGet, path: "/v1/session", auth: "Basic dXNlcjpwYXNz", wantStatus: 401, wantError: "missing_token"},
		{name: "session with empty bearer", method: http.MethodGet, path: "/v1/session", auth: "Bearer ", wantStatus: 401, wantError: "missing_token"},
		{name: "session with a bogus token", method: http.MethodGet, path: "/v1/session", auth: "Bearer sat_nope", wantStatus: 401, wantError: "invalid_token"},
		{name: "logout with a bogus token", method: http.MethodPost, path: "/v1/logout", auth: "Bearer " + strings.Repeat("x", 60), wantStatus: 401, wantError: "invalid_token"},
		{name: "unknown path", method: http.MethodGet, path: "/admin", wantStatus: 404},
	}
	c := clientFrom("127.0.0.7")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			req, err := http.NewRequest(tt.method, serviceA.url+tt.path, strings.NewReader(tt.body))
			g.Expect(err).NotTo(HaveOccurred())
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := c.Do(req)
			g.Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			g.Expect(resp.StatusCode).To(Equal(tt.wantStatus), "body: %s", body)
			if tt.wantError != "" {
				g.Expect(string(body)).To(ContainSubstring(`"error":"` + tt.wantError + `"`))
				g.Expect(string(body)).To(ContainSubstring(`"message":`))
			}
		})
	}
}

func TestTokenReviewRefusesWithoutErrors(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "tr", nil)
	token := loginEventually(t, serviceA, grant)
	revokedToken := token
	serviceA.call(t, http.MethodPost, "/v1/logout", token, nil)

	for _, bad := range []string{"", "x", "sat_", strings.Repeat("A", 200), "sat_" + strings.Repeat("A", 43), revokedToken, "Bearer " + revokedToken, "\x00\xff"} {
		g.Expect(serviceA.review(t, bad).Status.Authenticated).To(BeFalse(), "token %q", bad)
	}
}

func TestLoginFailuresAreIdenticalAndThrottled(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "throttled", nil)
	loginEventually(t, serviceA, grant)

	attacker, user := clientFrom("127.0.0.2"), clientFrom("127.0.0.3")
	post := func(c *http.Client, email, password string) (int, string, http.Header) {
		resp, err := c.Post(serviceA.url+"/v1/login", "application/json",
			strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
		g.Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}

	// Unknown email and wrong password: the same answer, byte for byte (no account enumeration).
	s1, unknownBody, _ := post(clientFrom("127.0.0.4"), "support-nobody@support.test", grant.password)
	s2, wrongBody, _ := post(clientFrom("127.0.0.4"), grant.email, "wrong-password")
	g.Expect(s1).To(Equal(http.StatusUnauthorized))
	g.Expect(s2).To(Equal(http.StatusUnauthorized))
	g.Expect(unknownBody).To(Equal(wrongBody))

	// 100 wrong passwords for one email: refused with 429 and a Retry-After long before the end.
	var last int
	var retryAfter string
	for range 100 {
		status, _, h := post(attacker, grant.email, "guess")
		last = status
		if status == http.StatusTooManyRequests {
			retryAfter = h.Get("Retry-After")
		}
	}
	g.Expect(last).To(Equal(http.StatusTooManyRequests))
	g.Expect(retryAfter).To(MatchRegexp(`^[1-9][0-9]*$`))
	// The right password from the attacker's address is refused too (the address is throttled)...
	status, _, _ := post(attacker, grant.email, grant.password)
	g.Expect(status).To(Equal(http.StatusTooManyRequests))
	// ...but the support user at another address still logs in.
	status, body, _ := post(user, grant.email, grant.password)
	g.Expect(status).To(Equal(http.StatusOK), body)
	// A burst of failures is reported on the grant.
	g.Eventually(func() bool { return hasEvent(t, ns, "throttled", "LoginFailures") }, eventually, poll).Should(BeTrue())
	g.Eventually(func() bool { return hasEvent(t, ns, "throttled", "Login") }, eventually, poll).Should(BeTrue())
}

func TestLimiterMemoryBoundedUnderFlood(t *testing.T) {
	g := NewWithT(t)
	const maxKeys = 1000
	emails := throttle.New(throttle.Config{Window: 15 * time.Minute, MaxFailures: 10, MaxKeys: maxKeys, Clock: clk})
	addresses := throttle.New(throttle.Config{Window: 15 * time.Minute, MaxFailures: 10, MaxKeys: maxKeys, Clock: clk})
	svc := *serviceA.svc
	svc.emails, svc.addresses = emails, addresses
	h := svc.Handler()
	for i := range 100_000 {
		req := httptest.NewRequest(http.MethodPost, "/v1/login",
			bytes.NewBufferString(fmt.Sprintf(`{"email":"bogus-%d@example.com","password":"x"}`, i)))
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:5555", i>>16&255, i>>8&255, i&255)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusTooManyRequests {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	g.Expect(emails.Len()).To(BeNumerically("<=", maxKeys))
	g.Expect(addresses.Len()).To(BeNumerically("<=", maxKeys))
}
