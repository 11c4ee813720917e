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

// Command loadgen sends TokenReviews to an auth service (or the echo baseline) from its own
// process, as kube-apiserver would, or forward-auth checks as a gateway would (-kind forwardauth),
// and prints what it measured as JSON (stats.LoadResult).
//
// Closed loop: -concurrency workers, each sending its next request when the previous answer is
// read. Open loop: requests are due at a fixed -rate whatever the server does, and each latency is
// measured from the moment its request was due, so that a server falling behind shows as latency
// instead of silently lowering the rate (no coordinated omission).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/supportaccess/support-access-operator/test/bench/internal/stats"
)

func main() {
	url := flag.String("url", "", "The TokenReview endpoint, e.g. http://127.0.0.1:8444/tokenreview, or the forward-auth "+
		"route, e.g. http://127.0.0.1:8444/v1/forward-auth/<account>.")
	kind := flag.String("kind", "tokenreview", "tokenreview (POST TokenReviews) or forwardauth (GET forward-auth checks).")
	tokensFile := flag.String("tokens", "", "tokenreview: file of session tokens, one a line, used in turn. Empty: one made-up token. "+
		"forwardauth: file of requests, one a line, used in turn: cookie token, original method, original URI and "+
		"Sec-Fetch-Mode, separated by tabs.")
	mode := flag.String("mode", "closed", "closed or open.")
	concurrency := flag.Int("concurrency", 16, "Closed loop: concurrent workers. Open loop: the most requests in flight.")
	rate := flag.Float64("rate", 1000, "Open loop: requests per second.")
	duration := flag.Duration("duration", 5*time.Second, "How long to measure.")
	warmup := flag.Duration("warmup", time.Second, "How long to send before measuring (connections, caches, GC pacing).")
	caFile := flag.String("ca", "", "PEM CA file to trust for an https -url (TLS 1.2 or later, HTTP/1.1, as kube-apiserver's webhook client gets from the auth service).")
	flag.Parse()
	if *url == "" || (*mode != "closed" && *mode != "open") || (*kind != "tokenreview" && *kind != "forwardauth") ||
		*concurrency < 1 || *rate <= 0 {
		fmt.Fprintln(os.Stderr, "loadgen: need -url, -kind tokenreview|forwardauth, -mode closed|open, -concurrency >= 1, -rate > 0")
		os.Exit(2)
	}
	client, err := newClient(*concurrency, *caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	g := &generator{url: *url, client: client}
	if *kind == "forwardauth" {
		g.headers, err = forwardAuthHeaders(*tokensFile)
		g.n = len(g.headers)
	} else {
		g.bodies, err = requestBodies(*tokensFile)
		g.n = len(g.bodies)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	var res stats.LoadResult
	if *mode == "closed" {
		res = g.closedLoop(*concurrency, *warmup, *duration)
	} else {
		res = g.openLoop(*concurrency, *rate, *warmup, *duration)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// requestBodies returns one TokenReview request body per token, marshalled once.
func requestBodies(path string) ([][]byte, error) {
	tokens := []string{"sa_made-up-token-for-the-echo-baseline-0000000000000000"}
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		tokens = nil
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if t := strings.TrimSpace(sc.Text()); t != "" {
				tokens = append(tokens, t)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
		if len(tokens) == 0 {
			return nil, fmt.Errorf("no tokens in %s", path)
		}
	}
	bodies := make([][]byte, len(tokens))
	for i, t := range tokens {
		b, err := json.Marshal(map[string]any{
			"apiVersion": "authentication.k8s.io/v1",
			"kind":       "TokenReview",
			"spec":       map[string]string{"token": t},
		})
		if err != nil {
			return nil, err
		}
		bodies[i] = b
	}
	return bodies, nil
}

// forwardAuthHeaders returns one header set per line of path (token, method, URI, Sec-Fetch-Mode,
// tab-separated), built once: what a gateway (Caddy's forward_auth) sends for a browser's request,
// the client's headers with the original method and URI added. The sets are only read while
// requests are sent (http.RoundTripper does not modify a request), so workers share them.
func forwardAuthHeaders(path string) ([]http.Header, error) {
	if path == "" {
		return nil, errors.New("-kind forwardauth needs -tokens (a file of requests)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []http.Header
	for n, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("%s:%d: want token, method, URI and Sec-Fetch-Mode separated by tabs", path, n+1)
		}
		accept := "*/*"
		if f[3] == "navigate" {
			accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
		}
		h := http.Header{
			"Accept":             {accept},
			"Cookie":             {cookieName + "=" + f[0]},
			"Sec-Fetch-Mode":     {f[3]},
			"User-Agent":         {"Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"},
			"X-Forwarded-For":    {"203.0.113.7"},
			"X-Forwarded-Host":   {"app.bench.test"},
			"X-Forwarded-Method": {f[1]},
			"X-Forwarded-Proto":  {"https"},
			"X-Forwarded-Uri":    {f[2]},
		}
		out = append(out, h)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no requests in %s", path)
	}
	return out, nil
}

// cookieName is the auth service's browser session cookie (internal/auth.CookieName).
const cookieName = "__Host-supportaccess"

func newClient(conns int, caFile string) (*http.Client, error) {
	var tlsConfig *tls.Config
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", caFile)
		}
		tlsConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		// A forward-auth refusal may be a redirect to the login page: it is the answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns + 16,
			MaxIdleConnsPerHost: conns + 16,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
			TLSClientConfig:     tlsConfig,
		},
	}, nil
}

// generator sends one of its n request templates per request: TokenReview bodies, or the header
// sets of forward-auth checks.
type generator struct {
	url     string
	bodies  [][]byte
	headers []http.Header
	n       int
	client  *http.Client
}

var authenticated = []byte(`"authenticated":true`)

// outcome of one request.
type outcome int

const (
	ok outcome = iota
	refused
	failed
)

// send sends request template i and reads the answer in full.
func (g *generator) send(i int, buf *bytes.Buffer) (outcome, error) {
	if g.headers != nil {
		return g.sendForwardAuth(g.headers[i%g.n], buf)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, g.url, bytes.NewReader(g.bodies[i%g.n]))
	if err != nil {
		return failed, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		return failed, err
	}
	buf.Reset()
	_, err = io.Copy(buf, resp.Body)
	resp.Body.Close()
	if err != nil {
		return failed, err
	}
	if resp.StatusCode != http.StatusOK {
		return failed, fmt.Errorf("status %d: %.200s", resp.StatusCode, buf.String())
	}
	if !bytes.Contains(buf.Bytes(), authenticated) {
		return refused, nil
	}
	return ok, nil
}

// sendForwardAuth sends one forward-auth check and reads the answer in full: 200 is allowed; a
// redirect to the login page, 401 or 403 is a refusal.
func (g *generator) sendForwardAuth(h http.Header, buf *bytes.Buffer) (outcome, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, g.url, nil)
	if err != nil {
		return failed, err
	}
	req.Header = h
	resp, err := g.client.Do(req)
	if err != nil {
		return failed, err
	}
	buf.Reset()
	_, err = io.Copy(buf, resp.Body)
	resp.Body.Close()
	if err != nil {
		return failed, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return ok, nil
	case http.StatusFound, http.StatusSeeOther, http.StatusUnauthorized, http.StatusForbidden:
		return refused, nil
	}
	return failed, fmt.Errorf("status %d: %.200s", resp.StatusCode, buf.String())
}

// tally collects one worker's measurements.
type tally struct {
	latencies         []time.Duration
	refused, failures int
	firstError        error
}

func (t *tally) add(o outcome, err error, latency time.Duration) {
	t.latencies = append(t.latencies, latency)
	switch o {
	case refused:
		t.refused++
	case failed:
		t.failures++
		if t.firstError == nil {
			t.firstError = err
		}
	}
}

func merge(mode string, concurrency int, rate float64, window time.Duration, tallies []*tally) stats.LoadResult {
	res := stats.LoadResult{Mode: mode, Concurrency: concurrency, TargetRate: rate, Seconds: window.Seconds()}
	var all []time.Duration
	for _, t := range tallies {
		all = append(all, t.latencies...)
		res.Refused += t.refused
		res.Errors += t.failures
		if t.firstError != nil && res.FirstError == "" {
			res.FirstError = t.firstError.Error()
		}
	}
	res.Requests = len(all)
	res.Rate = float64(len(all)) / window.Seconds()
	res.Latency = stats.Summarize(all)
	return res
}

// closedLoop runs workers back to back; requests sent inside the measurement window count.
func (g *generator) closedLoop(workers int, warmup, duration time.Duration) stats.LoadResult {
	start := time.Now()
	measureFrom, measureTo := start.Add(warmup), start.Add(warmup+duration)
	tallies := make([]*tally, workers)
	var wg sync.WaitGroup
	for w := range workers {
		t := &tally{latencies: make([]time.Duration, 0, 1<<16)}
		tallies[w] = t
		wg.Go(func() {
			var buf bytes.Buffer
			for i := w; ; i++ {
				sent := time.Now()
				if !sent.Before(measureTo) {
					return
				}
				o, err := g.send(i, &buf)
				if !sent.Before(measureFrom) {
					t.add(o, err, time.Since(sent))
				}
				if o == failed {
					time.Sleep(time.Millisecond) // no busy loop against a dead server
				}
			}
		})
	}
	wg.Wait()
	return merge("closed", workers, 0, duration, tallies)
}

// openLoop sends requests due at a fixed rate; latency counts from when each was due.
func (g *generator) openLoop(maxInFlight int, rate float64, warmup, duration time.Duration) stats.LoadResult {
	interval := time.Duration(float64(time.Second) / rate)
	due := make(chan time.Time, 1<<16)
	start := time.Now()
	measureFrom, measureTo := start.Add(warmup), start.Add(warmup+duration)
	tallies := make([]*tally, maxInFlight)
	var wg sync.WaitGroup
	for w := range maxInFlight {
		t := &tally{latencies: make([]time.Duration, 0, 1<<14)}
		tallies[w] = t
		wg.Go(func() {
			var buf bytes.Buffer
			i := w
			for at := range due {
				o, err := g.send(i, &buf)
				i++
				if !at.Before(measureFrom) {
					t.add(o, err, time.Since(at))
				}
			}
		})
	}
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if !at.Before(measureTo) {
			break
		}
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		due <- at
	}
	close(due)
	wg.Wait()
	return merge("open", maxInFlight, rate, duration, tallies)
}
