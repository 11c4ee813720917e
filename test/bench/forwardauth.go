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
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/auth"
	"github.com/supportaccess/support-access-operator/internal/pagerules"
	"github.com/supportaccess/support-access-operator/test/bench/internal/echo"
)

// The /v1/forward-auth targets (docs/reference.md#performance-targets); the latency and rate
// targets are /tokenreview's.
const (
	faThroughputTarget = 0.95                      // × the echo handler's throughput
	faCheckLabels      = `endpoint="forward_auth"` // the histogram series of /v1/forward-auth
	// The page rules' ConfigMap, where a deployment has it (the manager's default flag value).
	pageRulesNamespace = "support-access-system"
	pageRulesName      = "support-access-page-rules"
	// faRequestsPerSession is how many requests of the mix each session makes.
	faRequestsPerSession = 8
)

// The request mix. allowedPages need no more than Limited: no rule matches them, so each walks
// every rule before the default. piiPages are the personal-data pages, asked for by Full sessions
// only (one in four of their requests).
var (
	allowedPages = []string{
		"/dashboard", "/settings/profile", "/reports/12?range=30d", "/billing/invoices?page=2",
		"/api/v2/users/42", "/team/members", "/help/getting-started", "/integrations/webhooks/3",
	}
	piiPages = []string{"/messages/481", "/contacts?page=3", "/campaigns/77/stats", "/inbox"}
)

// benchPageRules is a realistic rules.yaml (docs/gateways.md#page-rules): the four personal-data
// pages first (two prefixes, two regexes), then 50 other rules, 25 prefixes and 25 regexes, default
// Limited.
func benchPageRules() string {
	var b strings.Builder
	b.WriteString(`rules:
- pathPrefix: /messages
  methods: [GET, POST]
  accessLevel: Full
- pathPrefix: /contacts
  accessLevel: Full
- pathRegex: '^/campaigns(/|$)'
  accessLevel: Full
- pathRegex: '^/inbox(/|$)'
  accessLevel: Full
`)
	for i := range 25 {
		fmt.Fprintf(&b, "- pathPrefix: /reports/%d\n  accessLevel: Full\n", 100+i)
		fmt.Fprintf(&b, "- pathRegex: '^/api/v[0-9]+/export%d(/|$)'\n  methods: [GET]\n  accessLevel: Full\n", i)
	}
	b.WriteString("default: Limited\n")
	return b.String()
}

// faFull reports whether session i is Full (even) or Limited (odd).
func faFull(i int) bool { return i%2 == 0 }

// faRequest is one request of the mix: a browser's request as the gateway forwards it.
type faRequest struct {
	token, method, uri, fetchMode string
}

// forwardAuthMix is the request mix over the sessions' tokens: each session makes
// faRequestsPerSession requests, one in four a top-level navigation (Sec-Fetch-Mode: navigate,
// which moves the session's inactivity clock) and the others background requests (cors); a Full
// session's second and sixth request is a personal-data page. Requests are ordered so that
// consecutive ones come from different sessions.
func forwardAuthMix(tokens []string) []faRequest {
	var out []faRequest
	for j := range faRequestsPerSession {
		for s, token := range tokens {
			uri := allowedPages[(s+j)%len(allowedPages)]
			if faFull(s) && j%4 == 1 {
				uri = piiPages[(s/2+j/4)%len(piiPages)]
			}
			mode := "cors"
			if j%4 == 0 {
				mode = "navigate"
			}
			out = append(out, faRequest{token: token, method: http.MethodGet, uri: uri, fetchMode: mode})
		}
	}
	return out
}

// header is what the load generator sends for r (test/bench/loadgen, forwardAuthHeaders): the
// browser's headers, the session cookie, and the gateway's X-Forwarded-*.
func (r faRequest) header() http.Header {
	accept := "*/*"
	if r.fetchMode == "navigate" {
		accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	}
	return http.Header{
		"Accept":             {accept},
		"Cookie":             {echo.CookieName + "=" + r.token},
		"Sec-Fetch-Mode":     {r.fetchMode},
		"User-Agent":         {"Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"},
		"X-Forwarded-For":    {"203.0.113.7"},
		"X-Forwarded-Host":   {"app.bench.test"},
		"X-Forwarded-Method": {r.method},
		"X-Forwarded-Proto":  {"https"},
		"X-Forwarded-Uri":    {r.uri},
	}
}

func runForwardAuth(ctx context.Context, b *bench, s *section) error {
	s.Method = fmt.Sprintf("As the tokenreview scenario, for GET /v1/forward-auth/%s as a gateway (Caddy forward_auth) sends "+
		"it: a load generator in its own process (test/bench/loadgen -kind forwardauth) sends forward-auth checks over "+
		"keep-alive HTTP/1.1 on loopback, with the browser's headers, the session cookie %s of %d browser sessions "+
		"(half Full, half Limited; logged in through the login page, POST /.supportaccess/login) and "+
		"X-Forwarded-Method/-Uri/-Proto/-Host, to the manager's auth service and to the baseline: a trivial handler on "+
		"the echo server (test/bench/echo, the auth service's server stack and routing) that reads the original "+
		"request's headers and the cookie and answers the manager's own allowed answer (200, the same headers). The "+
		"mix: %d requests in turn, each session's %d of them a quarter navigations (Sec-Fetch-Mode: navigate: activity) "+
		"and the rest background requests; pages every session may see (no rule matches them: each walks all the "+
		"rules to the default), and for Full sessions one in four a personal-data page; every answer is 200. Page "+
		"rules: the ConfigMap %s/%s the manager reads (--page-rules-configmap), the four personal-data rules and 50 "+
		"others (25 pathPrefix, 25 pathRegex), default Limited. Closed loop at each concurrency for %s after %s of "+
		"warm-up, %d runs each alternating echo and manager, the best run of each reported; then open loop at 25%% and "+
		"50%% of the echo handler's best closed-loop rate, %d runs each, the median run (by p99) of each reported. The "+
		"server-side p99 is estimated from the manager's %s{%s} histogram as in the tokenreview scenario. For "+
		"comparison (info), the echo server's JSON TokenReview handler, the tokenreview scenario's baseline, is measured "+
		"closed loop at the same concurrencies after the manager's runs.",
		benchNamespace, echo.CookieName, b.opts.faSessions, b.opts.faSessions*faRequestsPerSession, faRequestsPerSession,
		pageRulesNamespace, pageRulesName, b.opts.faDuration, loadWarmup, closedLoopRepeats, openLoopRepeats,
		checkHistogram, faCheckLabels)
	rules := benchPageRules()
	set, err := pagerules.Parse([]byte(rules))
	if err != nil {
		return fmt.Errorf("the bench's page rules: %w", err)
	}
	if set.Len() != 54 {
		return fmt.Errorf("the bench's page rules: %d rules, want 54", set.Len())
	}
	e, err := b.startEnv(ctx, "forwardauth")
	if err != nil {
		return err
	}
	defer e.stop()
	// The page rules exist before the manager starts, as in a deployment.
	if err := e.createNamespace(ctx, pageRulesNamespace); err != nil {
		return err
	}
	if err := e.c.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: pageRulesNamespace, Name: pageRulesName},
		Data:       map[string]string{pagerules.DataKey: rules},
	}); err != nil {
		return err
	}
	mgr, err := e.startManager(ctx, "manager", "--leader-elect=false", "--page-rules-configmap", pageRulesNamespace+"/"+pageRulesName)
	if err != nil {
		return err
	}
	k := b.opts.faSessions
	if err := e.issueGrants(ctx, 0, k, func(i int, g *grant) {
		if faFull(i) {
			g.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
		}
	}); err != nil {
		return err
	}
	tokens := make([]string, k)
	if err := parallel(ctx, 0, k, 8, func(ctx context.Context, i int) error {
		email, password, err := e.credentials(ctx, grantName(i))
		if err != nil {
			return err
		}
		tokens[i], err = browserLogin(ctx, mgr.authURL, email, password)
		return err
	}); err != nil {
		return err
	}
	mix := forwardAuthMix(tokens)
	var lines []string
	pii := 0
	for _, r := range mix {
		lines = append(lines, strings.Join([]string{r.token, r.method, r.uri, r.fetchMode}, "\t"))
		if slices.Contains(piiPages, r.uri) {
			pii++
		}
	}
	requestsFile := filepath.Join(e.dir, "requests")
	if err := os.WriteFile(requestsFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	route := auth.ForwardAuthPath + benchNamespace

	// Every request of the mix is allowed, and the rules are the bench's: a Limited session is
	// refused a personal-data page.
	var answer http.Header
	for i, r := range mix {
		status, hdr, err := forwardAuthCheck(ctx, mgr.authURL+route, r)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("the manager answers %d to request %d of the mix (%s %s, Full %v)", status, i, r.method, r.uri, faFull(i%k))
		}
		if i == 1 { // a Limited session's: the longer answer
			answer = hdr
		}
	}
	limitedPII := faRequest{token: tokens[1], method: http.MethodGet, uri: piiPages[0], fetchMode: "navigate"}
	if status, _, err := forwardAuthCheck(ctx, mgr.authURL+route, limitedPII); err != nil || status != http.StatusForbidden {
		return fmt.Errorf("a Limited session on %s: status %d (err %v), want 403: the page rules are not the bench's", limitedPII.uri, status, err)
	}
	// The baseline answers the manager's allowed answer.
	delete(answer, "Date")
	delete(answer, "Content-Length")
	answerJSON, err := json.Marshal(answer)
	if err != nil {
		return err
	}
	answerFile := filepath.Join(e.dir, "forward-auth-answer.json")
	if err := os.WriteFile(answerFile, answerJSON, 0o600); err != nil {
		return err
	}
	// The tokenreview scenario's baseline too, the JSON echo handler on the same server: with the
	// manager's answer for a valid API session's TokenReview, as there.
	apiToken, err := e.loginTo(ctx, mgr.authURL, grantName(0))
	if err != nil {
		return err
	}
	review, err := postTokenReview(ctx, mgr.authURL, apiToken)
	if err != nil {
		return err
	}
	reviewFile, tokenFile := filepath.Join(e.dir, "response.json"), filepath.Join(e.dir, "tokens")
	if err := os.WriteFile(reviewFile, review, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(tokenFile, []byte(apiToken+"\n"), 0o600); err != nil {
		return err
	}
	echoURL, echoPID, stopEcho, err := startEcho(ctx, b.bins.echo, filepath.Join(e.dir, "echo.log"),
		"-forward-auth-response", answerFile, "-response", reviewFile)
	if err != nil {
		return err
	}
	defer stopEcho()
	status, echoAnswer, err := forwardAuthCheck(ctx, echoURL+route, mix[1])
	if err != nil || status != http.StatusOK || headerBytes(echoAnswer) != headerBytes(answer) {
		return fmt.Errorf("echo answers %d with %d header bytes (err %v), the manager 200 with %d", status, headerBytes(echoAnswer), err, headerBytes(answer))
	}
	minReq, maxReq := 1<<30, 0
	for _, r := range mix {
		n := headerBytes(r.header())
		minReq, maxReq = min(minReq, n), max(maxReq, n)
	}
	s.note("Answer: 200, no body, %d bytes of headers besides Date and Content-Length (both); request: GET with %d to %d "+
		"bytes of headers; %d of the %d requests of the mix (%.1f %%) are personal-data pages.", headerBytes(answer),
		minReq, maxReq, pii, len(mix), 100*float64(pii)/float64(len(mix)))

	lg := loadgen{bin: b.bins.loadgen, tokens: requestsFile, duration: b.opts.faDuration, log: filepath.Join(e.dir, "loadgen.log"),
		kind: "forwardauth", path: route}
	mgrRates, err := compareLoad(ctx, s, loadComparison{
		e: e, lg: lg, mgr: mgr, echoURL: echoURL, echoPID: echoPID,
		concurrency: b.opts.faConcurrency, throughputTarget: faThroughputTarget, labels: faCheckLabels,
	})
	if err != nil {
		return err
	}

	// For comparison, the same echo server's JSON TokenReview handler (the tokenreview scenario's
	// baseline and the targets' "trivial JSON echo handler"), at the same concurrencies, best of
	// closedLoopRepeats runs, measured after the manager's runs.
	jsonLG := loadgen{bin: b.bins.loadgen, tokens: tokenFile, duration: b.opts.faDuration, log: lg.log, kind: "tokenreview", path: "/tokenreview"}
	var jsonRates []float64
	for _, c := range b.opts.faConcurrency {
		best := 0.0
		for range closedLoopRepeats {
			r, err := jsonLG.run(ctx, echoURL, "closed", c, 0)
			if err != nil {
				return err
			}
			best = max(best, r.Rate)
		}
		jsonRates = append(jsonRates, best)
	}
	var conc, mgrText, jsonText, ratios []string
	for i, c := range b.opts.faConcurrency {
		conc = append(conc, strconv.Itoa(c))
		mgrText, jsonText = append(mgrText, perSec(mgrRates[i])), append(jsonText, perSec(jsonRates[i]))
		ratios = append(ratios, ratio(mgrRates[i], jsonRates[i]))
	}
	s.add(row{
		Figure:   fmt.Sprintf("Closed loop at %s concurrent: throughput against the JSON echo handler (/tokenreview on the echo server)", strings.Join(conc, " / ")),
		Value:    strings.Join(mgrText, " / "),
		Baseline: strings.Join(jsonText, " / "),
		Ratio:    strings.Join(ratios, " / "),
		Result:   info,
	})
	s.add(row{
		Figure:   "Best closed-loop throughput against the JSON echo handler",
		Value:    perSec(slices.Max(mgrRates)),
		Baseline: perSec(slices.Max(jsonRates)),
		Ratio:    ratio(slices.Max(mgrRates), slices.Max(jsonRates)),
		Result:   info,
	})

	// Where the real server's time goes: a CPU profile of the manager under closed-loop load.
	if err := profileUnderLoad(ctx, s, e, mgr, lg); err != nil {
		return err
	}

	// Where the auth service's extra time goes: its handler in this process, without the network.
	headers := make([]http.Header, len(mix))
	for i, r := range mix {
		headers[i] = r.header()
	}
	res, err := profileHandler(ctx, e, handlerBench{
		n: len(headers),
		request: func(i int) *http.Request {
			req := httptest.NewRequest(http.MethodGet, route, nil)
			req.Header = headers[i]
			return req
		},
		accepted:  func(rr *httptest.ResponseRecorder) bool { return rr.Code == http.StatusOK },
		echo:      echo.ForwardAuthHandler(answer),
		pageRules: types.NamespacedName{Namespace: pageRulesNamespace, Name: pageRulesName},
		name:      "forward-auth-handler",
		allocs:    true,
	})
	if err != nil {
		return fmt.Errorf("in-process handler benchmark: %w", err)
	}
	s.add(row{
		Figure:   "In-process handler, one forward-auth check of the mix (httptest, no network)",
		Value:    res.mgr.String(),
		Baseline: res.echo.String(),
		Ratio:    ratio(float64(res.mgr.nsPerOp), float64(res.echo.nsPerOp)),
		Result:   info,
	})
	s.Details = append(s.Details,
		"CPU profile of the auth service's handler in process, 3 s of the forward-auth mix (go tool pprof -top -cum):\n"+res.cpuTop,
		"Allocations of the auth service's handler in process, every one sampled, over the forward-auth mix "+
			"(go tool pprof -top -sample_index=alloc_objects; httptest's own included):\n"+res.allocsTop)
	return nil
}

// noRedirects is a client of the auth services that returns redirects instead of following them:
// the login page's 303 and forward auth's 302 are the answers.
var noRedirects = &http.Client{
	Timeout:       authClient.Timeout,
	Transport:     authClient.Transport,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// browserLogin logs in through the login page as a browser does (a same-origin form post) and
// returns the session cookie's token.
func browserLogin(ctx context.Context, authURL, email, password string) (string, error) {
	form := url.Values{"email": {email}, "password": {password}, "rd": {"/dashboard"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, authURL+"/.supportaccess/login", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := noRedirects.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("browser login: status %d: %.200s", resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == echo.CookieName && c.Value != "" {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("browser login: no %s cookie in the answer", echo.CookieName)
}

// forwardAuthCheck sends one forward-auth check and returns the status and headers of the answer.
func forwardAuthCheck(ctx context.Context, routeURL string, r faRequest) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, routeURL, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header = r.header()
	resp, err := noRedirects.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, resp.Header, nil
}

// headerBytes is the size of h on the wire (name: value CRLF), without Date and Content-Length.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		if k == "Date" || k == "Content-Length" {
			continue
		}
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n
}

// profileConcurrency is the closed-loop concurrency of the manager's CPU profile under load.
const profileConcurrency = 16

// profileUnderLoad takes a CPU profile of the manager (its --pprof-bind-address) while the load
// generator runs closed loop against it, and adds its top entries, all of them and those under the
// forward-auth handler.
func profileUnderLoad(ctx context.Context, s *section, e *env, mgr *manager, lg loadgen) error {
	const name = "manager-forward-auth-cpu"
	seconds := max(1, int(lg.duration.Seconds())-1)
	var top string
	var profErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		// From the end of the load generator's warm-up, for the measurement time less a second.
		select {
		case <-time.After(loadWarmup):
		case <-ctx.Done():
		}
		top, profErr = e.profileManager(ctx, mgr, "profile", time.Duration(seconds)*time.Second, name)
	}()
	r, err := lg.run(ctx, mgr.authURL, "closed", profileConcurrency, 0)
	<-done
	if err != nil {
		return err
	}
	if err := checkLoad(r); err != nil {
		return err
	}
	if profErr != nil {
		return fmt.Errorf("manager CPU profile: %w", profErr)
	}
	focused, err := pprofTop(ctx, "-top", "-cum", "-focus=handleForwardAuth", "-nodecount=30", filepath.Join(e.dir, name+".pprof"))
	if err != nil {
		return err
	}
	s.Details = append(s.Details,
		fmt.Sprintf("CPU profile of the manager over %d s of closed-loop forward auth at %d concurrent (%s; go tool pprof -top):\n%s",
			seconds, profileConcurrency, perSec(r.Rate), top),
		"The same profile, the forward-auth handler only (go tool pprof -top -cum -focus=handleForwardAuth):\n"+focused)
	return nil
}
