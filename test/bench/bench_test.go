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
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"
)

// The pure parts of the bench: the SVG writer, the CPU categories and the profile reader. The
// scenarios themselves need a control plane and run under make bench only.

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		max  float64
		n    int
		want []float64
	}{
		{30000, 5, []float64{0, 10000, 20000, 30000}},
		{8.2, 5, []float64{0, 2, 4, 6, 8, 10}},
		{0.9, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, 5, []float64{0, 1}},
	} {
		if got := niceTicks(c.max, c.n); !slices.Equal(got, c.want) {
			t.Errorf("niceTicks(%v, %d) = %v, want %v", c.max, c.n, got, c.want)
		}
	}
	if got := tickLabel(30000); got != "30k" {
		t.Errorf("tickLabel(30000) = %q", got)
	}
}

func TestLinePlotSVG(t *testing.T) {
	xs := []float64{1000, 5000, 10000, 30000}
	p := linePlot{title: "Heap <per> grant", xLabel: "grants", yLabel: "KiB", target: 4, targetLabel: "target 4 KiB",
		series: []plotSeries{{"live", xs, []float64{8, 8.1, 8.2, 8.2}}, {"rss", xs, []float64{9, 9, 9, 9}}}}
	out := p.svg()
	// Well-formed XML, the title escaped, one polyline and one circle per point of each series.
	d := xml.NewDecoder(strings.NewReader(out))
	counts := map[string]int{}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
	if counts["polyline"] != 2 || counts["circle"] != 8 || counts["svg"] != 1 {
		t.Errorf("elements %v, want 2 polylines, 8 circles", counts)
	}
	if !strings.Contains(out, "Heap &lt;per&gt; grant") || !strings.Contains(out, "stroke-dasharray") {
		t.Errorf("title not escaped or no target line:\n%s", out)
	}
}

func TestCategoryOf(t *testing.T) {
	cats := managerCPUCategories
	index := func(prefix string) int {
		for i, c := range cats {
			if strings.HasPrefix(c.name, prefix) {
				return i
			}
		}
		t.Fatalf("no category %q", prefix)
		return -1
	}
	for _, c := range []struct {
		frames []string
		want   int
	}{
		// A reconcile's create: the request's encoding, not the reconcile logic.
		{[]string{"encoding/json.Marshal", "k8s.io/client-go/rest.(*Request).Do", modulePath + "controllers.(*Reconciler).Reconcile"}, index("requests")},
		// The keyring's HMAC inside a reconcile: the reconcile logic.
		{[]string{"crypto/sha256.block", "crypto/hmac.(*hmac).Write", modulePath + "internal/keyring.(*Keyring).Sum", modulePath + "controllers.(*Reconciler).Reconcile"}, index("reconcile")},
		// The auth index's update from an informer: the auth service, whatever it calls.
		{[]string{"runtime.mapassign", modulePath + "internal/auth.(*index).add", "k8s.io/client-go/tools/cache.(*processorListener).run"}, index("auth")},
		// A watch event's decoding.
		{[]string{"sigs.k8s.io/json.(*decodeState).object", "k8s.io/apimachinery/pkg/watch.(*StreamWatcher).receive"}, index("decoding")},
		// GC assist during a decode is the GC's.
		{[]string{"runtime.gcAssistAlloc", "runtime.mallocgc", "sigs.k8s.io/json.(*decodeState).object"}, index("GC")},
		{[]string{"runtime.schedule", "runtime.mcall"}, index("runtime")},
		{[]string{"main.main"}, len(cats)},
	} {
		if got := categoryOf(c.frames, cats); got != c.want {
			t.Errorf("categoryOf(%v) = %q, want %q", c.frames, categoryName(got), categoryName(c.want))
		}
	}
}

// TestReadCPUProfile reads a real profile of this process back: samples, CPU time and frames.
func TestReadCPUProfile(t *testing.T) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Skip("CPU profiling unavailable:", err)
	}
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); {
		spin()
	}
	pprof.StopCPUProfile()
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	stacks, err := readCPUProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	var total time.Duration
	found := false
	for _, s := range stacks {
		total += s.cpu
		found = found || slices.ContainsFunc(s.frames, func(f string) bool { return strings.HasSuffix(f, ".spin") })
	}
	if total < 50*time.Millisecond || !found {
		t.Errorf("%d samples, %s in all, spin found %v", len(stacks), total, found)
	}
	// Ungzipped input reads the same.
	zr, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	again, err := decodeCPUProfile(raw)
	if err != nil || len(again) != len(stacks) {
		t.Errorf("decode of the raw proto: %d samples, %v", len(again), err)
	}
}

var sink uint64

//go:noinline
func spin() {
	for i := range 100_000 {
		sink += uint64(i) * 2654435761
	}
}
