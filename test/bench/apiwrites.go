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
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"
)

// writeVerbs are the verbs of kube-apiserver's apiserver_request_total (the request's HTTP method,
// APPLY for server-side apply) and the methods of client-go's rest_client_requests_total that
// change something.
var writeVerbs = map[string]bool{
	"POST": true, "PUT": true, "PATCH": true, "APPLY": true, "DELETE": true, "DELETECOLLECTION": true,
}

// eventCreates is the key of apiWrites under which kube-apiserver counts creates of
// events.k8s.io Events: the API the manager's recorder (mgr.GetEventRecorder) posts to.
const eventCreates = "POST events.k8s.io/events"

// apiWrites counts write requests by what they wrote: "VERB group/resource[/subresource]" on
// kube-apiserver's side, "METHOD" on a client's; refused ones under the same key with their
// code appended ("PATCH supportaccess.io/supportaccessgrants/status 409"), so conflicts show.
type apiWrites map[string]float64

func (w apiWrites) total() float64 {
	var t float64
	for _, v := range w {
		t += v
	}
	return t
}

// since returns the writes made after before was read (counters only grow).
func (w apiWrites) since(before apiWrites) apiWrites {
	d := apiWrites{}
	for k, v := range w {
		if v -= before[k]; v > 0 {
			d[k] = v
		}
	}
	return d
}

// perGrant formats the writes divided by n, in all and by key, the largest first:
// "5.00 (POST secrets 1.00, …)".
func (w apiWrites) perGrant(n int) string {
	keys := slices.Collect(maps.Keys(w))
	slices.SortFunc(keys, func(a, b string) int {
		if w[a] != w[b] {
			if w[a] > w[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+" "+perGrantValue(w[k]/float64(n)))
	}
	return fmt.Sprintf("%.2f (%s)", w.total()/float64(n), strings.Join(parts, ", "))
}

// perGrantValue formats writes per grant with two decimals, and the few writes not made per grant
// (kube-apiserver renewing its own Lease every 10 s) as "<0.01" rather than a misleading 0.00.
func perGrantValue(v float64) string {
	if v < 0.005 {
		return "<0.01"
	}
	return fmt.Sprintf("%.2f", v)
}

// parseWrites sums the series of counter name in a Prometheus text scrape whose verb (label
// verbLabel) is a write, keyed by key(labels).
func parseWrites(metrics, name, verbLabel string, key func(labels map[string]string) string) apiWrites {
	w := apiWrites{}
	for _, line := range strings.Split(metrics, "\n") {
		rest, ok := strings.CutPrefix(line, name+"{")
		if !ok {
			continue
		}
		inner, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		labels := parseLabels(inner)
		if !writeVerbs[labels[verbLabel]] {
			continue
		}
		k := key(labels)
		if code := labels["code"]; !strings.HasPrefix(code, "2") {
			k += " " + code
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(value), 64)
		w[k] += v
	}
	return w
}

// parseLabels reads `a="x",b="y"`. Label values here (verbs, resources, codes, host:port) hold
// neither quotes nor commas, so no unescaping is needed.
func parseLabels(s string) map[string]string {
	labels := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if ok {
			labels[strings.TrimSpace(k)] = strings.Trim(v, `"`)
		}
	}
	return labels
}

// apiCounts are kube-apiserver's counters of what its clients did: every client's writes, from
// apiserver_request_total (the bench's and the manager's alike, so the two phases of a scenario
// compare on the same measure), the admission webhook calls it made, and what its admission
// policies did in process.
type apiCounts struct {
	writes       apiWrites
	webhookCalls float64
	// mutatingChecks counts the mutating policies applied (apiserver_mutating_admission_policy_check_total
	// counts each one evaluated, whatever its outcome); validatingChecks the validating policies'
	// denials and evaluation errors (apiserver_validating_admission_policy_check_total counts no
	// validation that admitted the request): 0 when no write was refused.
	validatingChecks, mutatingChecks float64
}

// since returns what was done after before was read.
func (c apiCounts) since(before apiCounts) apiCounts {
	return apiCounts{
		writes:           c.writes.since(before.writes),
		webhookCalls:     c.webhookCalls - before.webhookCalls,
		validatingChecks: c.validatingChecks - before.validatingChecks,
		mutatingChecks:   c.mutatingChecks - before.mutatingChecks,
	}
}

// admissionPerGrant says, for n grants, what kube-apiserver's admission did per grant: webhook
// calls, mutating policies applied, validating policies' denials and errors.
func (c apiCounts) admissionPerGrant(n int) string {
	return fmt.Sprintf("%.2f admission webhook calls per grant; %.2f mutating admission policy evaluations per grant; "+
		"%.2f validating admission policy denials or errors per grant",
		c.webhookCalls/float64(n), c.mutatingChecks/float64(n), c.validatingChecks/float64(n))
}

// apiServerCounts reads kube-apiserver's counters, from one scrape.
func (e *env) apiServerCounts(ctx context.Context) (apiCounts, error) {
	metrics, err := e.scrapeAPIServer(ctx)
	if err != nil {
		return apiCounts{}, err
	}
	writes := parseWrites(metrics, "apiserver_request_total", "verb", func(l map[string]string) string {
		res := l["resource"]
		if l["group"] != "" {
			res = l["group"] + "/" + res
		}
		if l["subresource"] != "" {
			res += "/" + l["subresource"]
		}
		return l["verb"] + " " + res
	})
	_, calls := sumCount(metrics, "apiserver_admission_webhook_admission_duration_seconds")
	return apiCounts{
		writes:           writes,
		webhookCalls:     calls,
		validatingChecks: counterSum(metrics, "apiserver_validating_admission_policy_check_total"),
		mutatingChecks:   counterSum(metrics, "apiserver_mutating_admission_policy_check_total"),
	}, nil
}

// counterSum returns the sum of every series of a labelled counter from a scrape.
func counterSum(metrics, name string) float64 {
	var sum float64
	for _, line := range strings.Split(metrics, "\n") {
		rest, ok := strings.CutPrefix(line, name+"{")
		if !ok {
			continue
		}
		if _, value, ok := strings.Cut(rest, "} "); ok {
			v, _ := strconv.ParseFloat(strings.TrimSpace(value), 64)
			sum += v
		}
	}
	return sum
}

// scrapeAPIServer returns kube-apiserver's Prometheus metrics, read as the admin.
func (e *env) scrapeAPIServer(ctx context.Context) (string, error) {
	hc, err := rest.HTTPClientFor(e.cluster.Config)
	if err != nil {
		return "", fmt.Errorf("kube-apiserver client: %w", err)
	}
	url := strings.TrimSuffix(e.cluster.Config.Host, "/") + "/metrics"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("scrape kube-apiserver: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("scrape kube-apiserver: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("scrape kube-apiserver: status %d", resp.StatusCode)
	}
	return string(data), nil
}

// writes returns the manager's own writes so far, by method, from its client-go
// rest_client_requests_total: every request any of its clients (cache, event recorder) made,
// and nothing the bench's clients did.
func (m *manager) writes(ctx context.Context) (apiWrites, error) {
	metrics, err := m.scrape(ctx)
	if err != nil {
		return nil, err
	}
	return parseWrites(metrics, "rest_client_requests_total", "method", func(l map[string]string) string {
		return l["method"]
	}), nil
}

// waitEventCreates polls kube-apiserver until want Events have been created since before, or
// timeout passes, and returns what was done since before. The manager posts its Events from the
// recorder's goroutines after the status write, so the last grants' Events can land after the
// last grant shows Active; counting stops once they are in. Falling short is not an error: the
// figures then show it.
func (e *env) waitEventCreates(ctx context.Context, before apiCounts, want int, timeout time.Duration) (apiCounts, error) {
	deadline := time.Now().Add(timeout)
	for {
		now, err := e.apiServerCounts(ctx)
		if err != nil {
			return apiCounts{}, err
		}
		d := now.since(before)
		if d.writes[eventCreates] >= float64(want) || time.Now().After(deadline) {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return apiCounts{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
