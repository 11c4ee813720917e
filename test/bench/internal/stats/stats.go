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

// Package stats summarises latency samples and Prometheus histograms for the benchmarks, and
// holds the result a load generator run prints.
package stats

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Summary describes a distribution of durations (some may be negative: an event seen before the
// reference time, such as a watch event that beat the response of the write causing it).
type Summary struct {
	N   int           `json:"n"`
	Min time.Duration `json:"min"`
	P50 time.Duration `json:"p50"`
	P90 time.Duration `json:"p90"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
}

// Summarize sorts samples in place and returns their distribution. Percentiles are nearest-rank:
// p99 of 200 samples is the 198th smallest.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	return Summary{
		N:   len(samples),
		Min: samples[0],
		P50: Percentile(samples, 50),
		P90: Percentile(samples, 90),
		P99: Percentile(samples, 99),
		Max: samples[len(samples)-1],
	}
}

// Percentile returns the nearest-rank percentile p (0-100] of sorted samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(rank, 1)
	rank = min(rank, len(sorted))
	return sorted[rank-1]
}

// String is "p50 1.2ms, p99 3.4ms, max 5.6ms (n=100)".
func (s Summary) String() string {
	if s.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %s, p99 %s, max %s (n=%d)", Dur(s.P50), Dur(s.P99), Dur(s.Max), s.N)
}

// Dur formats a duration with three significant digits in a fitting unit.
func Dur(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d == 0:
		s = "0"
	case d < time.Microsecond:
		s = fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		s = trim(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		s = trim(float64(d)/float64(time.Millisecond)) + "ms"
	default:
		s = trim(d.Seconds()) + "s"
	}
	if neg {
		return "-" + s
	}
	return s
}

func trim(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// LoadResult is what one load generator run measured; the load generator prints it as JSON.
type LoadResult struct {
	Mode        string  `json:"mode"` // closed or open
	Concurrency int     `json:"concurrency"`
	TargetRate  float64 `json:"targetRate,omitempty"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	// Refused counts 200 answers that did not authenticate the token (a TokenReview with
	// authenticated false) and forward-auth refusals (401, 403, a redirect to the login page).
	Refused int     `json:"refused"`
	Seconds float64 `json:"seconds"`
	Rate    float64 `json:"rate"`
	// Latency is measured from the moment a request was due (open loop: its scheduled time, so
	// that queueing behind a slow server counts) or sent (closed loop) to its answer read in full.
	Latency    Summary `json:"latency"`
	FirstError string  `json:"firstError,omitempty"`
}

// Histogram is one Prometheus histogram series: cumulative counts per upper bound.
type Histogram struct {
	Bounds []float64 // ascending, +Inf last
	Counts []float64 // cumulative
	Count  float64
	Sum    float64
}

// ParseHistogram reads the series name{labels} of a histogram from Prometheus' text format.
// labels is the exact label text inside the braces without le, e.g. endpoint="tokenreview".
func ParseHistogram(r io.Reader, name, labels string) (Histogram, error) {
	var h Histogram
	bucketPrefix := name + "_bucket{"
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, bucketPrefix):
			inner, rest, ok := strings.Cut(line[len(bucketPrefix):], "} ")
			if !ok || !strings.Contains(inner, labels) {
				continue
			}
			_, le, ok := strings.Cut(inner, `le="`)
			if !ok {
				continue
			}
			le, _, _ = strings.Cut(le, `"`)
			bound, err := strconv.ParseFloat(le, 64)
			if err != nil {
				return h, fmt.Errorf("bucket bound %q: %w", le, err)
			}
			count, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				return h, fmt.Errorf("bucket count %q: %w", rest, err)
			}
			h.Bounds = append(h.Bounds, bound)
			h.Counts = append(h.Counts, count)
		case strings.HasPrefix(line, name+"_count{"+labels+"} "):
			h.Count, _ = strconv.ParseFloat(strings.TrimPrefix(line, name+"_count{"+labels+"} "), 64)
		case strings.HasPrefix(line, name+"_sum{"+labels+"} "):
			h.Sum, _ = strconv.ParseFloat(strings.TrimPrefix(line, name+"_sum{"+labels+"} "), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return h, err
	}
	if len(h.Bounds) == 0 {
		return h, fmt.Errorf("no %s{%s} histogram in the metrics", name, labels)
	}
	return h, nil
}

// Sub returns the observations made between an earlier scrape and this one.
func (h Histogram) Sub(earlier Histogram) Histogram {
	out := Histogram{Bounds: h.Bounds, Counts: make([]float64, len(h.Counts)), Count: h.Count - earlier.Count, Sum: h.Sum - earlier.Sum}
	for i := range h.Counts {
		out.Counts[i] = h.Counts[i]
		if i < len(earlier.Counts) {
			out.Counts[i] -= earlier.Counts[i]
		}
	}
	return out
}

// Quantile estimates quantile q (0-1) as Prometheus' histogram_quantile does: linear
// interpolation inside the bucket holding the rank. It also returns that bucket's upper bound,
// the figure one can state with certainty ("p99 ≤ bound").
func (h Histogram) Quantile(q float64) (estimate, bound time.Duration) {
	if len(h.Counts) == 0 {
		return 0, 0
	}
	total := h.Counts[len(h.Counts)-1]
	if total == 0 {
		return 0, 0
	}
	rank := q * total
	lower, prev := 0.0, 0.0
	for i, c := range h.Counts {
		if c >= rank {
			upper := h.Bounds[i]
			if math.IsInf(upper, 1) {
				// Beyond the last finite bound: all one can say is "more than lower".
				return secs(lower), secs(math.Inf(1))
			}
			inBucket := c - prev
			frac := 1.0
			if inBucket > 0 {
				frac = (rank - prev) / inBucket
			}
			return secs(lower + (upper-lower)*frac), secs(upper)
		}
		lower, prev = h.Bounds[i], c
	}
	return secs(lower), secs(math.Inf(1))
}

// Mean is the average observation.
func (h Histogram) Mean() time.Duration {
	if h.Count == 0 {
		return 0
	}
	return secs(h.Sum / h.Count)
}

func secs(s float64) time.Duration {
	if math.IsInf(s, 1) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second))
}
