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

package testutil

import (
	"net/http"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// maxRecordedCalls bounds how many request lines APICalls keeps for failure messages.
const maxRecordedCalls = 1000

// APICalls counts the requests a component sends to kube-apiserver. Give the component the
// rest.Config returned by Wrap; every request it starts through that config counts once, when it
// starts, so a watch opened earlier and still streaming adds nothing later.
type APICalls struct {
	mu        sync.Mutex
	count     int
	lines     []string // "METHOD path?query" of the first maxRecordedCalls requests
	lastStart time.Time
}

// Wrap returns a copy of cfg whose transport counts into c.
func (c *APICalls) Wrap(cfg *rest.Config) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.Wrap(func(next http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			c.record(r)
			return next.RoundTrip(r)
		})
	})
	return out
}

func (c *APICalls) record(r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count++
	c.lastStart = time.Now()
	if len(c.lines) < maxRecordedCalls {
		line := r.Method + " " + r.URL.Path
		if r.URL.RawQuery != "" {
			line += "?" + r.URL.RawQuery
		}
		c.lines = append(c.lines, line)
	}
}

// Count returns the number of requests started so far.
func (c *APICalls) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

// QuietFor reports whether no request has started for at least d.
func (c *APICalls) QuietFor(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Since(c.lastStart) >= d
}

// Since returns the request lines recorded after the first n requests (n from an earlier Count).
func (c *APICalls) Since(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n >= len(c.lines) {
		return nil
	}
	return append([]string(nil), c.lines[n:]...)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
