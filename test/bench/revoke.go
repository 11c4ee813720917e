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
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/supportaccess/support-access-operator/test/bench/internal/stats"
)

const (
	// revokeTarget bounds the API write to refusal on every replica
	// (docs/reference.md#performance-targets).
	revokeTarget = 100 * time.Millisecond
	// refusalTimeout bounds the wait for a replica to refuse a revoked token.
	refusalTimeout = 10 * time.Second
)

func runRevoke(ctx context.Context, b *bench, s *section) error {
	m := b.opts.revokes
	s.Method = fmt.Sprintf("Two manager processes with leader election on (replica A started first and leads; B is a "+
		"standby whose auth service serves all the same). %d Active grants, each logged in to. One after another, a "+
		"client hammers /tokenreview with one grant's token on both replicas (one keep-alive connection each, checks "+
		"back to back) while the bench, in turn, revokes the grant (spec.revoked=true), deletes it, or logs the session "+
		"out on replica A (POST /v1/logout); the figure is the time from the write's response (the API write's, or the "+
		"logout's) to the first refused check's answer on each replica. Baseline: a revoke's or delete's watch event "+
		"reaching the bench's own watch on the grants (the API server's watch delivery, the floor of any watch-driven "+
		"propagation).", m)
	e, err := b.startEnv(ctx, "revoke")
	if err != nil {
		return err
	}
	defer e.stop()
	le := []string{"--leader-elect=true", "--leader-election-namespace", benchNamespace}
	a, err := e.startManager(ctx, "manager-a", le...)
	if err != nil {
		return err
	}
	if err := waitLeader(ctx, a); err != nil {
		return err
	}
	bm, err := e.startManager(ctx, "manager-b", le...)
	if err != nil {
		return err
	}
	replicas := []*manager{a, bm}
	if err := e.issueGrants(ctx, 0, m, nil); err != nil {
		return err
	}
	tokens := make([]string, m)
	if err := parallel(ctx, 0, m, 8, func(ctx context.Context, i int) error {
		via, other := replicas[i%2], replicas[(i+1)%2]
		token, err := e.loginTo(ctx, via.authURL, grantName(i))
		if err != nil {
			return fmt.Errorf("log in to %s: %w", grantName(i), err)
		}
		tokens[i] = token
		return waitAccepted(ctx, other.authURL, token, 10*time.Second)
	}); err != nil {
		return err
	}
	b.logf("%s: %d grants Active, logged in to, and accepted on both replicas", e.name, m)

	// The bench's own watch: when each write's event reaches a watcher.
	var (
		wmu  sync.Mutex
		seen = map[string]time.Time{}
	)
	w, err := e.watchGrants(ctx, func(at time.Time, typ watch.EventType, g *grant) {
		if g.Spec.Revoked || g.DeletionTimestamp != nil || typ == watch.Deleted {
			wmu.Lock()
			if _, ok := seen[g.Name]; !ok {
				seen[g.Name] = at
			}
			wmu.Unlock()
		}
	})
	if err != nil {
		return err
	}
	defer w.stop()

	var perReplica [2][]time.Duration
	var everyWrite, watchLat, fromRequest []time.Duration
	byKind := map[string][]time.Duration{}
	responded := map[string]time.Time{}
	cpu := e.cpuMeter()
	for i := range m {
		kind := revokeKinds[i%len(revokeKinds)]
		res, err := revokeOne(ctx, e, replicas, grantName(i), tokens[i], kind)
		if err != nil {
			return fmt.Errorf("grant %s (%s): %w", grantName(i), kind, err)
		}
		worst := max(res.refused[0], res.refused[1])
		for r := range 2 {
			perReplica[r] = append(perReplica[r], res.refused[r])
		}
		byKind[kind] = append(byKind[kind], worst)
		everyWrite = append(everyWrite, worst)
		fromRequest = append(fromRequest, worst+res.writeTook)
		if kind != "logout" {
			responded[grantName(i)] = res.responded
		}
	}
	cpuText := cpu.String()
	// The bench's watch may lag the replicas: look its events up once it has had time to see all.
	time.Sleep(time.Second)
	wmu.Lock()
	for name, at := range seen {
		if r, ok := responded[name]; ok {
			watchLat = append(watchLat, at.Sub(r))
		}
	}
	wmu.Unlock()
	all := stats.Summarize(everyWrite)
	watchSum := stats.Summarize(watchLat)
	add := func(figure string, sum stats.Summary) {
		s.add(row{
			Figure:   figure,
			Value:    sum.String(),
			Baseline: watchSum.String(),
			Ratio:    ratioDur(sum.P99, watchSum.P99) + " (p99)",
			Target:   "p99 ≤ 100ms and ≤ " + ratioTargetText,
			Result:   verdict(sum.P99 <= revokeTarget && withinRatio(sum.P99, watchSum.P99)),
		})
	}
	add("Write → refused on every replica (all kinds)", all)
	add("spec.revoked=true → refused on every replica", stats.Summarize(byKind["revoke"]))
	add("delete → refused on every replica", stats.Summarize(byKind["delete"]))
	add("logout (on replica A) → refused on every replica", stats.Summarize(byKind["logout"]))
	add("Write → refused on replica A (leader)", stats.Summarize(perReplica[0]))
	add("Write → refused on replica B (standby)", stats.Summarize(perReplica[1]))
	s.add(row{Figure: "Write request sent → refused on every replica", Value: stats.Summarize(fromRequest).String(), Result: info})
	s.note("Negative values: the replica refused before the API write's response reached the bench (the watch event can "+
		"overtake the response). %s", cpuText)
	return nil
}

// waitLeader waits until m reports holding the leader election lease, so that replica A is the
// leader and B the standby.
func waitLeader(ctx context.Context, m *manager) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		metrics, err := m.scrape(ctx)
		if err == nil {
			for _, line := range strings.Split(metrics, "\n") {
				if strings.HasPrefix(line, "leader_election_master_status{") && strings.HasSuffix(line, " 1") {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("manager-a did not become leader within 30s")
}

type revokeResult struct {
	refused   [2]time.Duration // per replica, from the write's response to the first refused answer
	responded time.Time
	writeTook time.Duration
}

// revokeOne hammers the token on every replica, revokes or deletes the grant, and waits until every
// replica refuses the token.
// The ways access ends, in turn: the grant revoked, the grant deleted, the session logged out.
var revokeKinds = []string{"revoke", "delete", "logout"}

func revokeOne(ctx context.Context, e *env, replicas []*manager, name, token, kind string) (revokeResult, error) {
	type outcome struct {
		refusedAt time.Time
		accepted  int
		err       error
	}
	outcomes := make([]outcome, len(replicas))
	started := make(chan struct{}, len(replicas))
	var wg sync.WaitGroup
	hctx, cancel := context.WithTimeout(ctx, refusalTimeout)
	defer cancel()
	for r, m := range replicas {
		wg.Go(func() {
			rv := newReviewer(m.authURL, token)
			defer rv.close()
			o := &outcomes[r]
			for hctx.Err() == nil {
				ok, err := rv.check(hctx)
				now := time.Now()
				if err != nil {
					if hctx.Err() == nil {
						o.err = err
					}
					break
				}
				if ok {
					if o.accepted == 0 {
						started <- struct{}{}
					}
					o.accepted++
					continue
				}
				if o.accepted == 0 {
					o.err = fmt.Errorf("%s refused the token before it was revoked", m.name)
					started <- struct{}{}
				}
				o.refusedAt = now
				return
			}
			if o.accepted == 0 {
				started <- struct{}{}
			}
		})
	}
	for range replicas {
		<-started
	}
	// A few more checks on both, so the write lands in the middle of the hammering.
	time.Sleep(5 * time.Millisecond)

	g := &grant{ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: name}}
	sent := time.Now()
	var err error
	switch kind {
	case "delete":
		err = e.c.Delete(ctx, g)
	case "revoke":
		err = e.c.Patch(ctx, g, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"revoked":true}}`)))
	case "logout":
		err = logout(ctx, replicas[0].authURL, token)
	}
	responded := time.Now()
	if err != nil {
		cancel()
		wg.Wait()
		return revokeResult{}, err
	}
	wg.Wait()
	res := revokeResult{responded: responded, writeTook: responded.Sub(sent)}
	for r, o := range outcomes {
		if o.err != nil {
			return res, o.err
		}
		if o.refusedAt.IsZero() {
			return res, fmt.Errorf("%s still accepts the token %s after the write", replicas[r].name, refusalTimeout)
		}
		res.refused[r] = o.refusedAt.Sub(responded)
	}
	return res, nil
}

// logout ends a session through the auth service.
func logout(ctx context.Context, authURL, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, authURL+"/v1/logout", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := authClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("logout: status %d", resp.StatusCode)
	}
	return nil
}
