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
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/session"
	"github.com/supportaccess/support-access-operator/internal/testutil"
	"github.com/supportaccess/support-access-operator/internal/throttle"
)

// Abuse (issue 8): floods of garbage tokens and of wrong passwords. What is covered elsewhere:
// TestLimiterMemoryBoundedUnderFlood (100,000 bogus emails keep the limiters at their bound),
// TestLoginFailuresAreIdenticalAndThrottled (100 wrong passwords over TCP, identical 401s, the
// support user at another address still logs in) and, at the limiter alone,
// throttle.TestFloodLeavesValidUsersAlone (the heap under the same scenario).

// startCountedService starts a dedicated auth service (its own manager, caches and watches) whose
// every request to kube-apiserver is counted. It returns once the caches are synced and it serves.
func startCountedService(t *testing.T) (*testService, *testutil.APICalls) {
	t.Helper()
	calls := &testutil.APICalls{}
	s, err := startService(context.Background(), calls.Wrap(restConfig))
	if err != nil {
		t.Fatalf("start counted auth service: %v", err)
	}
	t.Cleanup(s.stop)
	return s, calls
}

// garbageToken is one shape of token that must be refused without asking kube-apiserver.
type garbageToken struct {
	name  string
	token func() string
}

// garbageTokens returns every shape of bad token, built around a live session's token (which is
// itself never sent) and the tokens of a logged-out session and of a revoked grant.
func garbageTokens(live, loggedOut, revoked, password string) []garbageToken {
	hash := session.HashToken(live)
	randomBytes := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return b
	}
	fixed := func(s string) func() string { return func() string { return s } }
	flipLast := []byte(live)
	if flipLast[len(flipLast)-1] == 'A' {
		flipLast[len(flipLast)-1] = 'B'
	} else {
		flipLast[len(flipLast)-1] = 'A'
	}
	return []garbageToken{
		{"empty", fixed("")},
		{"one character", fixed("x")},
		{"prefix only", fixed(session.TokenPrefix)},
		{"one character too short", fixed(live[:len(live)-1])},
		{"one character too long for the limit", fixed(session.TokenPrefix + strings.Repeat("A", maxTokenLength+1-len(session.TokenPrefix)))},
		{"8 KiB", fixed(session.TokenPrefix + strings.Repeat("A", 8<<10))},
		{"right shape, never issued", func() string { tok, _, _ := session.NewToken(); return tok }},
		{"live token with its last character changed", fixed(string(flipLast))},
		{"live token behind a second Bearer", fixed("Bearer " + live)},
		{"live token's Lease name", fixed(session.LeaseName(hash))},
		{"live token's SHA-256", fixed(hex.EncodeToString(hash[:]))},
		{"the password instead of a token", fixed(password)},
		{"random bytes", func() string { return string(randomBytes(48)) }},
		{"random base64", func() string { return base64.StdEncoding.EncodeToString(randomBytes(33)) }},
		{"logged out", fixed(loggedOut)},
		{"grant revoked", fixed(revoked)},
	}
}

// headerSafe maps control characters to bytes above 0x7f, which an HTTP header may carry.
func headerSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			b[i] = c | 0x80
		}
	}
	return string(b)
}

// floodRequest is one request of the flood and the check of its answer.
type floodRequest struct {
	endpoint string
	shape    string
	build    func(base string) *http.Request
	check    func(resp *http.Response, body []byte) error
}

func tokenReviewRequest(shape garbageToken, audiences bool) floodRequest {
	return floodRequest{
		endpoint: "POST /tokenreview",
		shape:    shape.name,
		build: func(base string) *http.Request {
			review := authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: shape.token()}}
			review.APIVersion, review.Kind = "authentication.k8s.io/v1", "TokenReview"
			if audiences {
				review.Spec.Audiences = []string{"https://kubernetes.default.svc"}
			}
			raw, _ := json.Marshal(review)
			req, _ := http.NewRequest(http.MethodPost, base+"/tokenreview", bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			return req
		},
		check: func(resp *http.Response, body []byte) error {
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d (kube-apiserver would retry)", resp.StatusCode)
			}
			var out authenticationv1.TokenReview
			if err := json.Unmarshal(body, &out); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
			if out.APIVersion != "authentication.k8s.io/v1" || out.Kind != "TokenReview" {
				return fmt.Errorf("answer is %s %s", out.APIVersion, out.Kind)
			}
			if out.Status.Authenticated || out.Status.User.Username != "" {
				return fmt.Errorf("authenticated as %q", out.Status.User.Username)
			}
			return nil
		},
	}
}

func bearerRequest(method, path string, shape garbageToken) floodRequest {
	return floodRequest{
		endpoint: method + " " + path,
		shape:    shape.name,
		build: func(base string) *http.Request {
			req, _ := http.NewRequest(method, base+path, nil)
			req.Header.Set("Authorization", "Bearer "+headerSafe(shape.token()))
			return req
		},
		check: func(resp *http.Response, _ []byte) error {
			if resp.StatusCode != http.StatusUnauthorized {
				return fmt.Errorf("status %d; want 401", resp.StatusCode)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
				return fmt.Errorf("no WWW-Authenticate challenge")
			}
			return nil
		},
	}
}

// flood sends total requests, cycling through reqs, from workers concurrent clients, and returns
// the failures (at most one per endpoint and shape) and how many answers were wrong.
func flood(ctx context.Context, base string, reqs []floodRequest, total, workers int) (failures []string, wrong int64) {
	transport := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer transport.CloseIdleConnections()
	c := &http.Client{Timeout: 10 * time.Second, Transport: transport}
	var (
		next     atomic.Int64
		bad      atomic.Int64
		mu       sync.Mutex
		reported = map[string]bool{}
		wg       sync.WaitGroup
	)
	fail := func(r floodRequest, err error) {
		bad.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if key := r.endpoint + " / " + r.shape; !reported[key] {
			reported[key] = true
			failures = append(failures, key+": "+err.Error())
		}
	}
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(total) && ctx.Err() == nil; i = next.Add(1) - 1 {
				r := reqs[i%int64(len(reqs))]
				resp, err := c.Do(r.build(base).WithContext(ctx))
				if err != nil {
					fail(r, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if err == nil {
					err = r.check(resp, body)
				}
				if err != nil {
					fail(r, err)
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		failures = append(failures, fmt.Sprintf("flood stopped after %d of %d requests: %v", next.Load(), total, err))
	}
	sort.Strings(failures)
	return failures, bad.Load()
}

func liveSessions(s *testService) int {
	n := 0
	s.svc.sessions.Range(func(*session.Session) bool { n++; return true })
	return n
}

// TestGarbageTokenFloodCostsNoAPICalls floods a replica with bad tokens on every endpoint that
// takes one: each gets its refusal (200 authenticated=false on /tokenreview, never 429 or 5xx;
// 401 elsewhere) and not one request reaches kube-apiserver, so a flood cannot be amplified into
// load on the control plane.
func TestGarbageTokenFloodCostsNoAPICalls(t *testing.T) {
	const (
		total   = 6000
		workers = 8
		timeout = 2 * time.Minute
	)
	g := NewWithT(t)
	clk.SetTime(time.Now())
	s, calls := startCountedService(t)
	g.Expect(calls.Count()).To(BeNumerically(">", 0), "the counting transport is not in the service's path")

	ns := newNamespace(t)
	grant := issueGrant(t, ns, "flood", nil)
	live := loginEventually(t, s, grant)
	loggedOut := loginEventually(t, s, grant)
	status, _, _ := s.call(t, http.MethodPost, "/v1/logout", loggedOut, nil)
	g.Expect(status).To(Equal(http.StatusNoContent))
	revokedGrant := issueGrant(t, ns, "flood-revoked", nil)
	revoked := loginEventually(t, s, revokedGrant)
	cur := &supportaccessv1alpha1.SupportAccessGrant{}
	g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(revokedGrant.grant), cur)).To(Succeed())
	cur.Spec.Revoked = true
	g.Expect(k8s.Update(context.Background(), cur)).To(Succeed())
	// Wait for the revocation without checking the token: its first refusal belongs to the flood.
	revokedKey := client.ObjectKeyFromObject(cur)
	g.Eventually(func() bool { st, ok := s.svc.index.grant(revokedKey); return ok && st.Revoked }, eventually, poll).Should(BeTrue())

	var reqs []floodRequest
	for i, shape := range garbageTokens(live, loggedOut, revoked, grant.password) {
		reqs = append(reqs,
			tokenReviewRequest(shape, i%2 == 0),
			bearerRequest(http.MethodGet, "/v1/session", shape),
			tokenReviewRequest(shape, i%2 == 1),
			bearerRequest(http.MethodPost, "/v1/logout", shape),
		)
	}

	// The logins and the logout above wrote to the API, and their events are still being sent;
	// the flood starts once nothing has been sent for a second.
	g.Eventually(func() bool { return calls.QuietFor(time.Second) }, 30*time.Second, 50*time.Millisecond).Should(BeTrue())
	sessionsBefore := liveSessions(s)
	heapBefore := liveHeap()
	callsBefore := calls.Count()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	failures, wrong := flood(ctx, s.url, reqs, total, workers)
	elapsed := time.Since(start)
	callsDuring := calls.Count() - callsBefore
	heapGrowth := liveHeap() - heapBefore

	t.Logf("%d requests (%d shapes × 4 endpoints) from %d clients in %v (%.0f/s): %d API requests started, %d answers wrong; live heap %+d bytes",
		total, len(reqs)/4, workers, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), callsDuring, wrong, heapGrowth)
	g.Expect(failures).To(BeEmpty(), "%d wrong answers", wrong)
	during := calls.Since(callsBefore)
	g.Expect(callsDuring).To(BeZero(), "API requests started during the flood, the first ones:\n%s",
		strings.Join(during[:min(len(during), 10)], "\n"))
	g.Expect(liveSessions(s)).To(Equal(sessionsBefore), "the flood changed the session store")
	g.Expect(heapGrowth).To(BeNumerically("<", 16<<20), "the flood left memory behind")

	// The user of the live session is unaffected, and the counter sees what the request path
	// does ask of the API: a login writes its session Lease before it answers.
	g.Expect(s.review(t, live).Status.Authenticated).To(BeTrue())
	beforeLogin := calls.Count()
	s.login(t, grant.email, grant.password)
	g.Expect(calls.Count()).To(BeNumerically(">", beforeLogin), "a login's Lease write was not counted")
}

// liveHeap returns the bytes of live heap after a full collection.
func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestWrongPasswordFloodThrottlesOnlyTheAttacker sends 10,000 wrong passwords for one real
// email, from one address, from a botnet and from one IPv6 host walking its /64, through the
// real handler: after MaxFailures 401s every attempt gets 429 with a Retry-After, the limiters
// stay within their bounds, and the support user of that email, from another address, and the
// user of another grant still log in.
func TestWrongPasswordFloodThrottlesOnlyTheAttacker(t *testing.T) {
	const (
		attempts    = 10_000
		maxFailures = 10
		window      = 15 * time.Minute
		maxKeys     = 1000
	)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	victim := issueGrant(t, ns, "victim", nil)
	bystander := issueGrant(t, ns, "bystander", nil)
	loginEventually(t, serviceA, victim)
	loginEventually(t, serviceA, bystander)

	tests := []struct {
		name     string
		attacker func(i int) string // the RemoteAddr of attempt i
		// wantAttackerWithPassword is the answer to the right password from the last attacker
		// address: refused while that address is throttled, accepted from one in good standing.
		wantAttackerWithPassword int
		wantAddressKeys          int // at most
	}{
		{
			name:                     "one address",
			attacker:                 func(int) string { return "203.0.113.7:40000" },
			wantAttackerWithPassword: http.StatusTooManyRequests,
			wantAddressKeys:          1,
		},
		{
			name: "a botnet, a new address for every attempt",
			attacker: func(i int) string {
				return fmt.Sprintf("10.%d.%d.%d:40000", i>>16&255, i>>8&255, i&255)
			},
			wantAttackerWithPassword: http.StatusOK,
			wantAddressKeys:          maxKeys,
		},
		{
			name:                     "one IPv6 host, a new address of its /64 for every attempt",
			attacker:                 func(i int) string { return "[2001:db8:0:7::" + strconv.FormatInt(int64(i+1), 16) + "]:40000" },
			wantAttackerWithPassword: http.StatusTooManyRequests,
			wantAddressKeys:          1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			limiter := func() *throttle.Limiter {
				return throttle.New(throttle.Config{Window: window, MaxFailures: maxFailures, MaxKeys: maxKeys, Clock: clk})
			}
			emails, addresses := limiter(), limiter()
			svc := *serviceA.svc
			svc.emails, svc.addresses = emails, addresses
			h := svc.Handler()
			login := func(remote, email, password string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodPost, "/v1/login",
					strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
				req.RemoteAddr = remote
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}

			counts := map[int]int{}
			for i := range attempts {
				rec := login(tt.attacker(i), victim.email, "guess-"+strconv.Itoa(i))
				counts[rec.Code]++
				if rec.Code == http.StatusTooManyRequests {
					retry, err := strconv.Atoi(rec.Header().Get("Retry-After"))
					if err != nil || retry < 1 || time.Duration(retry)*time.Second > window {
						t.Fatalf("attempt %d: Retry-After %q", i, rec.Header().Get("Retry-After"))
					}
				}
			}
			g.Expect(counts).To(Equal(map[int]int{
				http.StatusUnauthorized:    maxFailures,
				http.StatusTooManyRequests: attempts - maxFailures,
			}))
			g.Expect(emails.Len()).To(Equal(1), "one email was attacked")
			g.Expect(addresses.Len()).To(BeNumerically("<=", tt.wantAddressKeys))
			t.Logf("%d wrong passwords: %v; limiter keys: %d emails, %d addresses", attempts, counts, emails.Len(), addresses.Len())

			last := tt.attacker(attempts - 1)
			g.Expect(login(last, victim.email, victim.password).Code).To(Equal(tt.wantAttackerWithPassword))
			g.Expect(login("198.51.100.1:50000", victim.email, victim.password).Code).To(Equal(http.StatusOK),
				"the support user of the attacked email is locked out")
			g.Expect(login("198.51.100.2:50000", bystander.email, bystander.password).Code).To(Equal(http.StatusOK),
				"the user of another grant is locked out")
		})
	}
}
