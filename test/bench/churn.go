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
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/supportaccess/support-access-operator/test/bench/internal/stats"
)

const (
	// churnTarget bounds a change to its status (docs/reference.md#performance-targets).
	churnTarget = 2 * time.Second
	// churnDrain bounds the wait for the last changes to be observed.
	churnDrain = 30 * time.Second
	// churnWriters send the changes; enough that the API server's latency never lowers the rate.
	churnWriters = 32
	// churnBaselineMax caps the baseline's duration: its figures settle quickly.
	churnBaselineMax = 20 * time.Second
)

// The kinds of change, in turn: what account owners do to live grants.
var churnKinds = []string{"reason edited", "reason edited", "reason edited", "access level switched", "renewed"}

func runChurn(ctx context.Context, b *bench, s *section) error {
	g, rate, d := b.opts.churnGrants, b.opts.churnRate, b.opts.churnDuration
	bd := min(d, churnBaselineMax)
	s.Method = fmt.Sprintf("%d Active grants; the bench changes them in turn at %.0f changes/s for %s (open loop: changes are "+
		"due at a fixed rate, %d writers): 3 in 5 edit spec.reason, 1 in 5 switches spec.accessLevel (the controller "+
		"replaces the RoleBinding), 1 in 5 renews (spec.renewedAt = now; the controller rewrites the Secret's expiry). "+
		"The figure is the time from each change's API response to the watch event showing status.observedGeneration "+
		"at or past the change's generation. Baseline (%s, on a fresh control plane without the manager, grants and "+
		"their objects written by hand): the bench's own minimal controller, which on every grant event writes "+
		"status.observedGeneration and nothing else (%d workers) — watch delivery, one status write, watch delivery.",
		g, rate, d, churnWriters, bd, workersOrDefault(b.opts.grantWorkers))

	base, err := b.churnBaseline(ctx, g, rate, bd)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	e, err := b.startEnv(ctx, "churn-operator")
	if err != nil {
		return err
	}
	defer e.stop()
	mgr, err := e.startManager(ctx, "manager", "--leader-elect=false")
	if err != nil {
		return err
	}
	if err := e.issueGrants(ctx, 0, g, nil); err != nil {
		return err
	}
	cpu := e.cpuMeter()
	op, err := e.churn(ctx, g, rate, d)
	if err != nil {
		return err
	}
	all := stats.Summarize(op.all())
	s.add(row{
		Figure:   fmt.Sprintf("Change → status (%.0f changes/s)", rate),
		Value:    all.String(),
		Baseline: stats.Summarize(base.all()).String(),
		Ratio:    ratioDur(all.P99, stats.Summarize(base.all()).P99) + " (p99)",
		Target:   "p99 ≤ 2s and ≤ " + ratioTargetText,
		Result:   verdict(op.unobserved == 0 && all.P99 <= churnTarget && withinRatio(all.P99, stats.Summarize(base.all()).P99)),
	})
	s.add(row{Figure: "Changes sent", Value: fmt.Sprintf("%d in %s (%s)", op.sent, dur(op.took), perSec(float64(op.sent)/op.took.Seconds())),
		Baseline: fmt.Sprintf("%d in %s", base.sent, dur(base.took)), Result: info})
	for _, kind := range []string{"reason edited", "access level switched", "renewed"} {
		s.add(row{
			Figure:   "Change → status: " + kind,
			Value:    stats.Summarize(op.byKind[kind]).String(),
			Baseline: stats.Summarize(base.byKind[kind]).String(),
			Result:   info,
		})
	}
	if op.unobserved > 0 {
		s.note("%d changes never showed in the status within %s after the churn ended", op.unobserved, churnDrain)
	}
	s.note("operator: %s; %s", cpu, mgr.waitProfile(ctx))
	s.note("baseline: %s", base.cpu)
	return nil
}

type churnResult struct {
	byKind     map[string][]time.Duration
	sent       int
	took       time.Duration
	unobserved int
	cpu        string
}

func (r churnResult) all() []time.Duration {
	var out []time.Duration
	for _, v := range r.byKind {
		out = append(out, v...)
	}
	return out
}

// churnBaseline runs the same changes against hand-written grants, with a minimal controller in
// the bench that only acknowledges each generation in the status.
func (b *bench) churnBaseline(ctx context.Context, g int, rate float64, d time.Duration) (churnResult, error) {
	e, err := b.startEnv(ctx, "churn-baseline")
	if err != nil {
		return churnResult{}, err
	}
	defer e.stop()
	if err := parallel(ctx, 0, g, b.opts.clients, func(ctx context.Context, i int) error {
		return e.writeIssuedByHand(ctx, i, nil)
	}); err != nil {
		return churnResult{}, err
	}
	// The minimal controller: a watch, a work queue of names (deduplicated), workers writing
	// status.observedGeneration.
	var (
		mu      sync.Mutex
		queued  = map[string]bool{}
		work    = make(chan string, 1<<16)
		workers sync.WaitGroup
	)
	cctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); workers.Wait() }()
	w, err := e.watchGrants(cctx, func(_ time.Time, typ watch.EventType, gr *grant) {
		if typ == watch.Deleted || gr.Status.ObservedGeneration >= gr.Generation {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !queued[gr.Name] {
			queued[gr.Name] = true
			work <- gr.Name
		}
	})
	if err != nil {
		return churnResult{}, err
	}
	defer w.stop()
	for range workersOrDefault(b.opts.grantWorkers) {
		workers.Go(func() {
			for {
				var name string
				select {
				case <-cctx.Done():
					return
				case name = <-work:
				}
				mu.Lock()
				delete(queued, name)
				mu.Unlock()
				gr := &grant{}
				if err := e.c.Get(cctx, client.ObjectKey{Namespace: benchNamespace, Name: name}, gr); err != nil {
					continue
				}
				orig := gr.DeepCopy()
				gr.Status.ObservedGeneration = gr.Generation
				_ = e.c.Status().Patch(cctx, gr, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
			}
		})
	}
	cpu := e.cpuMeter()
	res, err := e.churn(ctx, g, rate, d)
	res.cpu = cpu.String()
	return res, err
}

// churn changes grants [0, g) in turn at rate for d and measures change → observedGeneration.
func (e *env) churn(ctx context.Context, g int, rate float64, d time.Duration) (churnResult, error) {
	type pending struct {
		gen       int64
		responded time.Time
		kind      string
	}
	var (
		mu       sync.Mutex
		observed = map[string]int64{}     // latest status.observedGeneration seen per grant
		seenAt   = map[string]time.Time{} // when it was seen
		waiting  = map[string]pending{}
		res      = churnResult{byKind: map[string][]time.Duration{}}
		levels   = map[string]string{}
	)
	w, err := e.watchGrants(ctx, func(at time.Time, _ watch.EventType, gr *grant) {
		mu.Lock()
		defer mu.Unlock()
		if gr.Status.ObservedGeneration <= observed[gr.Name] {
			return
		}
		observed[gr.Name], seenAt[gr.Name] = gr.Status.ObservedGeneration, at
		if p, ok := waiting[gr.Name]; ok && gr.Status.ObservedGeneration >= p.gen {
			res.byKind[p.kind] = append(res.byKind[p.kind], at.Sub(p.responded))
			delete(waiting, gr.Name)
		}
	})
	if err != nil {
		return res, err
	}
	defer w.stop()

	due := make(chan int, 1<<16)
	var writers sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range churnWriters {
		writers.Go(func() {
			for i := range due {
				name := grantName(i % g)
				kind := churnKinds[(i+i/g)%len(churnKinds)]
				var patch string
				switch kind {
				case "reason edited":
					patch = fmt.Sprintf(`{"spec":{"reason":"TICKET-%06d change %d"}}`, i%g, i)
				case "access level switched":
					mu.Lock()
					level := "Full"
					if levels[name] == "Full" {
						level = "Limited"
					}
					levels[name] = level
					mu.Unlock()
					patch = fmt.Sprintf(`{"spec":{"accessLevel":%q}}`, level)
				case "renewed":
					patch = fmt.Sprintf(`{"spec":{"renewedAt":%q}}`, metav1.Now().UTC().Format(time.RFC3339))
				}
				gr := &grant{ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: name}}
				if err := e.c.Patch(ctx, gr, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("change %s (%s): %w", name, kind, err) })
					continue
				}
				responded := time.Now()
				mu.Lock()
				if observed[name] >= gr.Generation {
					// The status caught up before the response reached us.
					res.byKind[kind] = append(res.byKind[kind], seenAt[name].Sub(responded))
				} else {
					waiting[name] = pending{gen: gr.Generation, responded: responded, kind: kind}
				}
				mu.Unlock()
			}
		})
	}
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if !at.Before(start.Add(d)) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Until(at))
		due <- i
		res.sent++
	}
	close(due)
	writers.Wait()
	res.took = time.Since(start)
	if firstErr != nil {
		return res, firstErr
	}
	deadline := time.Now().Add(churnDrain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		mu.Lock()
		n := len(waiting)
		mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	res.unobserved = len(waiting)
	return res, nil
}
