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
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// memoryTarget and unrelatedTarget are the memory targets (docs/reference.md#performance-targets).
	memoryTarget    = 150 << 20
	unrelatedTarget = 10 << 20
	// memorySettle is how long the manager idles before its memory is read: the Go runtime returns
	// freed memory to the OS in the background, within a few GC cycles.
	memorySettle = 10 * time.Second
	// unrelatedNamespace holds the Secrets the operator must not cache.
	unrelatedNamespace = "unrelated"
)

func runMemory(ctx context.Context, b *bench, s *section) error {
	sizes := slices.Clone(b.opts.sizes)
	slices.Sort(sizes)
	largest := sizes[len(sizes)-1]
	s.Method = fmt.Sprintf("One manager; its resident set (VmRSS from /proc/<pid>/status, the median of 5 readings 1s apart "+
		"after %s idle) with no grant, then with %s Active grants (each with its Secret and RoleBinding, created by %d "+
		"clients), then after adding %d unrelated Secrets (another namespace, no operator labels, ~300 bytes of data "+
		"each). Alongside: the Go heap in use (go_memstats_heap_inuse_bytes, garbage included), the live heap at the "+
		"last GC (go_memstats_next_gc_bytes / (1 + GOGC/100)) and the peak RSS (VmHWM). "+
		"Baseline for growth: the reading just before.",
		memorySettle, joinInts(sizes), b.opts.clients, b.opts.unrelatedSecrets)
	if len(b.opts.managerEnv) > 0 {
		s.Method += fmt.Sprintf(" The manager ran with %s.", strings.Join(b.opts.managerEnv, " "))
	}
	e, err := b.startEnv(ctx, "memory")
	if err != nil {
		return err
	}
	defer e.stop()
	mgr, err := e.startManager(ctx, "manager", "--leader-elect=false")
	if err != nil {
		return err
	}
	type reading struct {
		rss, hwm, heap int64
		live           int64 // estimated: the GC's heap goal over (1 + GOGC/100); 0 under a memory limit
	}
	read := func(what string) (reading, error) {
		time.Sleep(memorySettle)
		var rss []int64
		var r reading
		for range 5 {
			x, hwm, err := mgr.memory()
			if err != nil {
				return r, err
			}
			rss, r.hwm = append(rss, x), hwm
			time.Sleep(time.Second)
		}
		slices.Sort(rss)
		r.rss = rss[len(rss)/2]
		if metrics, err := mgr.scrape(ctx); err == nil {
			r.heap = int64(gauge(metrics, "go_memstats_heap_inuse_bytes"))
			// Only without a memory limit: with one, the heap goal may come from the limit instead.
			limit := gauge(metrics, "go_gc_gomemlimit_bytes")
			if gogc := gauge(metrics, "go_gc_gogc_percent"); gogc > 0 && (limit == 0 || limit >= 1<<62) {
				r.live = int64(gauge(metrics, "go_memstats_next_gc_bytes") / (1 + gogc/100))
			}
		}
		b.logf("%s: %s: RSS %s (peak %s), heap in use %s", e.name, what, mib(r.rss), mib(r.hwm), mib(r.heap))
		return r, nil
	}
	text := func(r reading) string {
		live := "n/a under GOMEMLIMIT"
		if r.live > 0 {
			live = "≈ " + mib(r.live)
		}
		return fmt.Sprintf("%s (heap in use %s, live at last GC %s, peak RSS %s)", mib(r.rss), mib(r.heap), live, mib(r.hwm))
	}

	idle, err := read("no grant")
	if err != nil {
		return err
	}
	s.add(row{Figure: "RSS with no grant", Value: text(idle), Result: info})
	prev, have := idle, 0
	for _, n := range sizes {
		if err := e.issueGrants(ctx, have, n, nil); err != nil {
			return err
		}
		have = n
		r, err := read(fmt.Sprintf("%d grants", n))
		if err != nil {
			return err
		}
		rw := row{
			Figure:   fmt.Sprintf("RSS with %d grants", n),
			Value:    text(r),
			Baseline: mib(prev.rss) + " before",
			Ratio:    ratio(float64(r.rss), float64(prev.rss)),
			Result:   info,
		}
		if n == largest {
			rw.Target = "≤ 150 MiB"
			rw.Result = verdict(r.rss <= memoryTarget)
		}
		s.add(rw)
		s.note("%d grants: %.1f KiB of RSS per grant above idle (heap: %.1f KiB)", n,
			float64(r.rss-idle.rss)/1024/float64(n), float64(r.heap-idle.heap)/1024/float64(n))
		prev = r
	}
	if b.opts.profile {
		// The heap profile forces a GC first, so the heap allocated right after it is the live heap.
		top, err := e.profileManager(ctx, mgr, "heap", 0, "manager-heap")
		if err != nil {
			s.note("heap profile of the manager failed: %v", err)
		} else if metrics, err := mgr.scrape(ctx); err != nil {
			s.note("metrics of the manager after its heap profile: %v", err)
		} else {
			live := gauge(metrics, "go_memstats_heap_alloc_bytes")
			s.add(row{
				Figure: fmt.Sprintf("Manager's live heap with %d grants, right after a forced GC", largest),
				Value:  fmt.Sprintf("%s (%.1f KiB per grant)", mib(int64(live)), live/1024/float64(largest)),
				Result: info,
			})
			s.Details = append(s.Details, fmt.Sprintf("Heap profile of the manager with %d grants (its /debug/pprof/heap after a GC; go tool pprof -top -sample_index=inuse_space):\n%s", largest, top))
		}
	}

	if err := e.createNamespace(ctx, unrelatedNamespace); err != nil {
		return err
	}
	began := time.Now()
	data := strings.Repeat("u", 256)
	if err := parallel(ctx, 0, b.opts.unrelatedSecrets, b.opts.clients, func(ctx context.Context, i int) error {
		return e.c.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: unrelatedNamespace, Name: fmt.Sprintf("unrelated-%06d", i),
				Labels: map[string]string{"app": "unrelated"}},
			Data: map[string][]byte{"token": []byte(data), "user": []byte(fmt.Sprintf("user-%d", i))},
		})
	}); err != nil {
		return err
	}
	b.logf("%s: %d unrelated Secrets created in %s", e.name, b.opts.unrelatedSecrets, time.Since(began).Round(time.Second))
	after, err := read("unrelated Secrets")
	if err != nil {
		return err
	}
	growth := after.rss - prev.rss
	s.add(row{
		Figure:   fmt.Sprintf("RSS after adding %d unrelated Secrets", b.opts.unrelatedSecrets),
		Value:    text(after),
		Baseline: mib(prev.rss) + " before",
		Ratio:    ratio(float64(after.rss), float64(prev.rss)),
		Result:   info,
	})
	s.add(row{
		Figure: fmt.Sprintf("Growth from %d unrelated Secrets", b.opts.unrelatedSecrets),
		Value:  fmt.Sprintf("%s (heap %s)", signedMiB(growth), signedMiB(after.heap-prev.heap)),
		Target: "≤ 10 MiB",
		Result: verdict(growth <= unrelatedTarget),
	})
	return nil
}

func signedMiB(b int64) string {
	if b < 0 {
		return "-" + mib(-b)
	}
	return "+" + mib(b)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " and ")
}
