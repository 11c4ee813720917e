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
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const (
	// heapPerGrantTarget is the live heap per grant that fits 30,000 grants in the Deployment's
	// 256 MiB limit (issue 18).
	heapPerGrantTarget = 4 << 10
	// syncTarget bounds the manager's start-up cache sync at syncTargetSize grants.
	syncTarget     = 10 * time.Second
	syncTargetSize = 30_000
	// scaleConcurrency is the /tokenreview load's closed-loop concurrency at each size.
	scaleConcurrency = 16
)

// scalePoint is what the scale scenario measures at one size.
type scalePoint struct {
	n                 int
	active, baseline  time.Duration // time to all Active: the operator's, and the baseline's writes by hand
	rss, hwm, live    int64         // the manager's after issuing: VmRSS (median), VmHWM, live heap after a forced GC
	sync              time.Duration // manager restart: process start → the auth service answers
	trClient, trSrv   time.Duration // /tokenreview p99: the client's, and the server-side histogram's estimate
	trBound           time.Duration // the histogram bucket's upper bound of trSrv
	trRate            float64
	sessions          int
	managerCPUPerGrnt time.Duration // from /proc, as the issue scenario's
}

func runScale(ctx context.Context, b *bench, s *section) error {
	sizes := slices.Clone(b.opts.scaleSizes)
	slices.Sort(sizes)
	s.Method = fmt.Sprintf("At each size N (%s), the issue scenario's two phases, each on a fresh control plane (the "+
		"admission of -admission): the baseline writing what the product writes by hand, and the operator issuing N "+
		"grants (time to the last Active, as there; no profile). Then, in the operator's phase: the manager's memory "+
		"after %s idle (VmRSS, the median of 5 readings 1 s apart; the live heap is go_memstats_heap_alloc_bytes right "+
		"after /debug/pprof/heap?gc=1 forced a GC); the cache sync at start (the manager stopped and started again "+
		"against the populated cluster: from the process's start until its auth service answers /healthz, which it "+
		"binds only once the manager's caches and the auth service's indexes have synced, polled every 100 ms); then "+
		"%d sessions logged in and /tokenreview under closed-loop load at %d concurrent for %s, all %d tokens in turn "+
		"(client p99 from the load generator, server-side p99 from the check histogram). The manager runs with %s.",
		joinInts(sizes), memorySettle, b.opts.scaleSessions, scaleConcurrency, b.opts.trDuration, b.opts.scaleSessions,
		strings.Join(b.opts.managerEnv, " "))
	var pts []scalePoint
	for _, n := range sizes {
		base, err := b.issueBaseline(ctx, n)
		if err != nil {
			return fmt.Errorf("baseline with %d grants: %w", n, err)
		}
		p, err := b.scaleOperator(ctx, n)
		if err != nil {
			return fmt.Errorf("operator with %d grants: %w", n, err)
		}
		p.baseline = base.total
		addScaleRows(s, p)
		pts = append(pts, p)
	}
	s.Markdown = append(s.Markdown, scaleTable(pts))
	for _, g := range scaleGrowth(pts) {
		s.note("%s", g)
	}
	images, err := writeScalePlots(filepath.Dir(b.opts.reportFile()), pts)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	s.Markdown = append(s.Markdown, images)
	return nil
}

// scaleOperator is one size's operator phase and the measurements in the populated cluster.
func (b *bench) scaleOperator(ctx context.Context, n int) (scalePoint, error) {
	p := scalePoint{n: n}
	e, err := b.startEnv(ctx, fmt.Sprintf("scale-%d-operator", n))
	if err != nil {
		return p, err
	}
	defer e.stop()
	mgr, err := e.startManager(ctx, "manager", "--leader-elect=false")
	if err != nil {
		return p, err
	}
	res, err := e.issueWithManager(ctx, mgr, n, false)
	if err != nil {
		return p, err
	}
	p.active, p.managerCPUPerGrnt = res.total, res.managerCPU/time.Duration(n)

	if p.rss, p.hwm, p.live, err = e.memoryAfterGC(ctx, mgr, fmt.Sprintf("scale-%d-heap", n)); err != nil {
		return p, err
	}
	b.logf("%s: RSS %s (peak %s), live heap %s (%.1f KiB per grant)", e.name, mib(p.rss), mib(p.hwm), mib(p.live),
		float64(p.live)/1024/float64(n))

	if err := e.stopManager(mgr); err != nil {
		return p, fmt.Errorf("stop the manager: %w", err)
	}
	if mgr, err = e.startManager(ctx, "manager", "--leader-elect=false"); err != nil {
		return p, fmt.Errorf("restart the manager: %w", err)
	}
	p.sync = mgr.readyIn

	p.sessions = min(b.opts.scaleSessions, n)
	tokens := make([]string, p.sessions)
	if err := parallel(ctx, 0, p.sessions, 8, func(ctx context.Context, i int) error {
		var err error
		tokens[i], err = e.loginTo(ctx, mgr.authURL, grantName(i))
		return err
	}); err != nil {
		return p, fmt.Errorf("log in: %w", err)
	}
	tokensFile := filepath.Join(e.dir, "tokens")
	if err := os.WriteFile(tokensFile, []byte(strings.Join(tokens, "\n")+"\n"), 0o600); err != nil {
		return p, err
	}
	lg := loadgen{bin: b.bins.loadgen, tokens: tokensFile, duration: b.opts.trDuration, log: filepath.Join(e.dir, "loadgen.log"),
		kind: "tokenreview", path: "/tokenreview"}
	before, err := scrapeHistogram(ctx, mgr, checkLabels)
	if err != nil {
		return p, err
	}
	r, err := lg.run(ctx, mgr.authURL, "closed", scaleConcurrency, 0)
	if err != nil {
		return p, err
	}
	if err := checkLoad(r); err != nil {
		return p, err
	}
	after, err := scrapeHistogram(ctx, mgr, checkLabels)
	if err != nil {
		return p, err
	}
	p.trClient, p.trRate = r.Latency.P99, r.Rate
	p.trSrv, p.trBound = after.Sub(before).Quantile(0.99)
	return p, nil
}

// memoryAfterGC reads the manager's resident set after memorySettle idle (the median of 5
// readings 1 s apart), its peak, and its live heap: the heap allocated right after a forced GC
// (the heap profile's ?gc=1), read from its metrics before it allocates much more.
func (e *env) memoryAfterGC(ctx context.Context, m *manager, name string) (rss, hwm, live int64, err error) {
	time.Sleep(memorySettle)
	var readings []int64
	for range 5 {
		x, peak, err := m.memory()
		if err != nil {
			return 0, 0, 0, err
		}
		readings, hwm = append(readings, x), peak
		time.Sleep(time.Second)
	}
	slices.Sort(readings)
	rss = readings[len(readings)/2]
	if err := downloadProfile(ctx, http.DefaultClient, m.pprofURL+"/debug/pprof/heap?gc=1", filepath.Join(e.dir, name+".pprof")); err != nil {
		return 0, 0, 0, fmt.Errorf("heap profile: %w", err)
	}
	metrics, err := m.scrape(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	return rss, hwm, int64(gauge(metrics, "go_memstats_heap_alloc_bytes")), nil
}

func addScaleRows(s *section, p scalePoint) {
	s.add(row{
		Figure:   fmt.Sprintf("%d grants: time to all Active", p.n),
		Value:    dur(p.active),
		Baseline: dur(p.baseline),
		Ratio:    ratioDur(p.active, p.baseline),
		Target:   fmt.Sprintf("≤ %.2f × baseline", issueTarget),
		Result:   verdict(float64(p.active) <= issueTarget*float64(p.baseline)),
	})
	perGrant := float64(p.live) / float64(p.n)
	s.add(row{
		Figure: fmt.Sprintf("%d grants: manager memory (RSS, peak; live heap after a forced GC)", p.n),
		Value: fmt.Sprintf("RSS %s (%.1f KiB per grant), peak %s; live heap %s (%.1f KiB per grant)",
			mib(p.rss), float64(p.rss)/1024/float64(p.n), mib(p.hwm), mib(p.live), perGrant/1024),
		Target: fmt.Sprintf("live heap ≤ %d KiB per grant", heapPerGrantTarget>>10),
		Result: verdict(perGrant <= heapPerGrantTarget),
	})
	syncRow := row{
		Figure: fmt.Sprintf("%d grants: cache sync at manager start (process start → auth service up)", p.n),
		Value:  dur(p.sync),
		Result: info,
	}
	if p.n >= syncTargetSize {
		syncRow.Target, syncRow.Result = "< "+dur(syncTarget)+fmt.Sprintf(" at %d", syncTargetSize), verdict(p.sync < syncTarget)
	}
	s.add(syncRow)
	s.add(row{
		Figure: fmt.Sprintf("%d grants: /tokenreview p99 with %d sessions (%d concurrent)", p.n, p.sessions, scaleConcurrency),
		Value: fmt.Sprintf("client %s, server-side %s (≤ %s bucket) at %s", dur(p.trClient), dur(p.trSrv), dur(p.trBound),
			perSec(p.trRate)),
		Target: "server-side ≤ " + dur(serverP99Target),
		Result: verdict(p.trSrv <= serverP99Target),
	})
}

// scaleTable is the sizes' figures as one Markdown table.
func scaleTable(pts []scalePoint) string {
	var b strings.Builder
	b.WriteString("| Grants | Time to all Active | Baseline | Ratio | Manager CPU per grant | RSS | Live heap | Live heap per grant | " +
		"… since the size before | Cache sync at start | /tokenreview p99 (client, server-side) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for i, p := range pts {
		// The marginal cost of a grant: the live heap's growth over the grants added since the size
		// before, without the fixed heap every manager has.
		marginal := "—"
		if i > 0 {
			q := pts[i-1]
			marginal = fmt.Sprintf("%.1f KiB", float64(p.live-q.live)/1024/float64(p.n-q.n))
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %.1f KiB | %s | %s | %s, %s |\n", p.n, dur(p.active), dur(p.baseline),
			ratioDur(p.active, p.baseline), dur(p.managerCPUPerGrnt), mib(p.rss), mib(p.live), float64(p.live)/1024/float64(p.n),
			marginal, dur(p.sync), dur(p.trClient), dur(p.trSrv))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// scaleGrowth states how each figure grows with N: a least-squares line's fixed part and cost per
// grant, and whether the curve bends: the slope of the last step (between the two largest sizes)
// against the first's (between the two smallest). For the /tokenreview p99, whether it moves at
// all from the smallest size to the largest.
func scaleGrowth(pts []scalePoint) []string {
	if len(pts) < 2 {
		return nil
	}
	ns := make([]float64, len(pts))
	for i, p := range pts {
		ns[i] = float64(p.n)
	}
	line := func(what, unit string, scale float64, f func(p scalePoint) float64) string {
		ys := make([]float64, len(pts))
		for i, p := range pts {
			ys[i] = f(p) / scale
		}
		fixed, slope := fitLine(ns, ys)
		shape := "linear"
		if len(pts) >= 3 {
			first := (ys[1] - ys[0]) / (ns[1] - ns[0])
			last := (ys[len(ys)-1] - ys[len(ys)-2]) / (ns[len(ns)-1] - ns[len(ns)-2])
			shape = fmt.Sprintf("%s (the last step's slope %.2f × the first's)", growthWord(last/first), last/first)
		}
		return fmt.Sprintf("Growth, %s: %s; fitted line %.3g %s + %.3g %s per 1,000 grants", what, shape, fixed, unit, slope*1000, unit)
	}
	first, last := pts[0], pts[len(pts)-1]
	tr := float64(last.trSrv) / float64(max(first.trSrv, 1))
	trShape := "not flat"
	if tr <= 1.25 && tr >= 0.8 {
		trShape = "flat (independent of the number of grants)"
	}
	return []string{
		line("time to all Active (operator)", "s", 1, func(p scalePoint) float64 { return p.active.Seconds() }),
		line("time to all Active (baseline)", "s", 1, func(p scalePoint) float64 { return p.baseline.Seconds() }),
		line("live heap", "MiB", 1<<20, func(p scalePoint) float64 { return float64(p.live) }),
		line("RSS", "MiB", 1<<20, func(p scalePoint) float64 { return float64(p.rss) }),
		line("cache sync at start", "s", 1, func(p scalePoint) float64 { return p.sync.Seconds() }),
		fmt.Sprintf("Growth, /tokenreview server-side p99: ×%.2f from %d to %d grants: %s", tr, first.n, last.n, trShape),
	}
}

// fitLine returns the least-squares line y = a + b·x through the points.
func fitLine(xs, ys []float64) (a, b float64) {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx, sy, sxx, sxy = sx+xs[i], sy+ys[i], sxx+xs[i]*xs[i], sxy+xs[i]*ys[i]
	}
	if d := n*sxx - sx*sx; d != 0 {
		b = (n*sxy - sx*sy) / d
	}
	return (sy - b*sx) / n, b
}

// growthWord names the ratio of a curve's last slope to its first.
func growthWord(r float64) string {
	switch {
	case r > 1.25:
		return "worse than linear"
	case r < 0.8:
		return "sublinear"
	default:
		return "linear"
	}
}

// writeScalePlots writes the cost curves as SVG into dir (performance-scale-*.svg, the names
// docs/images uses) and returns the Markdown showing them.
func writeScalePlots(dir string, pts []scalePoint) (string, error) {
	xs := make([]float64, len(pts))
	col := func(f func(p scalePoint) float64) []float64 {
		v := make([]float64, len(pts))
		for i, p := range pts {
			v[i] = f(p)
		}
		return v
	}
	for i, p := range pts {
		xs[i] = float64(p.n)
	}
	const xLabel = "grants"
	plots := map[string]linePlot{
		"active": {title: "Time to all Active", xLabel: xLabel, yLabel: "seconds", series: []plotSeries{
			{"operator", xs, col(func(p scalePoint) float64 { return p.active.Seconds() })},
			{"baseline (the same writes by hand)", xs, col(func(p scalePoint) float64 { return p.baseline.Seconds() })},
		}},
		"heap": {title: "Manager live heap per grant (after a forced GC)", xLabel: xLabel, yLabel: "KiB per grant",
			series: []plotSeries{{"live heap per grant", xs, col(func(p scalePoint) float64 { return float64(p.live) / 1024 / float64(p.n) })}},
			target: heapPerGrantTarget >> 10, targetLabel: "target 4 KiB"},
		"memory": {title: "Manager memory", xLabel: xLabel, yLabel: "MiB", series: []plotSeries{
			{"RSS", xs, col(func(p scalePoint) float64 { return float64(p.rss) / (1 << 20) })},
			{"live heap", xs, col(func(p scalePoint) float64 { return float64(p.live) / (1 << 20) })},
		}, target: 256, targetLabel: "Deployment limit 256 MiB"},
		"sync": {title: "Cache sync at manager start", xLabel: xLabel, yLabel: "seconds",
			series: []plotSeries{{"process start → auth service up", xs, col(func(p scalePoint) float64 { return p.sync.Seconds() })}},
			target: syncTarget.Seconds(), targetLabel: "target 10 s at 30k"},
		"tokenreview": {title: "/tokenreview p99 under load", xLabel: xLabel, yLabel: "milliseconds", series: []plotSeries{
			{"client", xs, col(func(p scalePoint) float64 { return ms(p.trClient) })},
			{"server-side", xs, col(func(p scalePoint) float64 { return ms(p.trSrv) })},
		}},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var md []string
	for _, name := range []string{"active", "heap", "memory", "sync", "tokenreview"} {
		file := "performance-scale-" + name + ".svg"
		if err := os.WriteFile(filepath.Join(dir, file), []byte(plots[name].svg()), 0o644); err != nil {
			return "", err
		}
		md = append(md, fmt.Sprintf("![%s](%s)", plots[name].title, file))
	}
	return strings.Join(md, "\n"), nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
