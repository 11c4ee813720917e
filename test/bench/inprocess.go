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
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/managercache"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/supportaccess/support-access-operator/internal/auth"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/test/bench/internal/echo"
)

// handlerCost is what one in-process handler benchmark measured.
type handlerCost struct {
	nsPerOp, allocsPerOp, bytesPerOp int64
}

func (h handlerCost) String() string {
	return fmt.Sprintf("%s/check, %d allocs, %d B", dur(time.Duration(h.nsPerOp)), h.allocsPerOp, h.bytesPerOp)
}

func costOf(r testing.BenchmarkResult) handlerCost {
	return handlerCost{nsPerOp: r.NsPerOp(), allocsPerOp: r.AllocsPerOp(), bytesPerOp: r.AllocedBytesPerOp()}
}

// handlerProfile runs the auth service's HTTP handler in this process (auth.Setup on a manager of
// our own, with the operator's cache options, against the same cluster, so it sees the same
// grants and sessions) and measures one /tokenreview without the network: ns, allocations and
// bytes per check against the echo handler's, then a CPU profile of the auth handler alone.
func handlerProfile(ctx context.Context, e *env, tokens []string, template echo.TokenReview) (mgrCost, echoCost handlerCost, top string, err error) {
	bodies := make([][]byte, len(tokens))
	for i, t := range tokens {
		bodies[i] = tokenReviewBody(t)
	}
	res, err := profileHandler(ctx, e, handlerBench{
		n: len(bodies),
		request: func(i int) *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/tokenreview", bytes.NewReader(bodies[i]))
			req.Header.Set("Content-Type", "application/json")
			return req
		},
		accepted: func(rr *httptest.ResponseRecorder) bool { return bytes.Contains(rr.Body.Bytes(), authenticatedTrue) },
		echo:     echo.Handler(template),
		name:     "auth-handler",
	})
	return res.mgr, res.echo, res.cpuTop, err
}

// handlerBench is one endpoint's in-process benchmark: n request templates used in turn, what an
// accepted answer is, the echo handler to compare with, and the page rules the service reads.
type handlerBench struct {
	n        int
	request  func(i int) *http.Request // i in [0, n); a fresh request each call
	accepted func(rr *httptest.ResponseRecorder) bool
	echo     http.Handler
	// pageRules is the service's page rules ConfigMap; empty reads none.
	pageRules types.NamespacedName
	// name names the profile files in the run's directory.
	name string
	// allocs also takes an allocation profile (every allocation sampled) of the auth handler and
	// returns its top entries.
	allocs bool
}

// handlerResult is what profileHandler measured.
type handlerResult struct {
	mgr, echo         handlerCost
	cpuTop, allocsTop string
}

// profileHandler runs the auth service's HTTP handler in this process (auth.Setup on a manager of
// our own, with the operator's cache options, against the same cluster, so it sees the same
// grants and sessions) and measures one request without the network: ns, allocations and bytes
// per request against the echo handler's, then a CPU profile (and optionally an allocation
// profile) of the auth handler alone.
func profileHandler(ctx context.Context, e *env, hb handlerBench) (handlerResult, error) {
	var res handlerResult
	mgr, err := ctrl.NewManager(e.cluster.Config, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  managercache.Options(),
		Client:                 managercache.ClientOptions(),
	})
	if err != nil {
		return res, err
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The manager's own keys: the grants' login emails and the sessions were signed with them.
	ring, err := keyring.LoadOrCreate(ctx, e.c, types.NamespacedName{Namespace: "default", Name: keyring.DefaultSecretName})
	if err != nil {
		return res, err
	}
	svc, err := auth.Setup(mctx, mgr, auth.Options{Limits: limits.Fixed(720 * time.Hour), Keyring: ring, PageRules: hb.pageRules})
	if err != nil {
		return res, err
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { cancel(); <-done }()
	h := svc.Handler()

	serve := func(h http.Handler, i int) *httptest.ResponseRecorder {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, hb.request(i%hb.n))
		return rr
	}
	// Wait until the in-process service accepts every request (its caches and indexes are filled
	// from the watch, and the page rules from theirs).
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < hb.n; {
		if hb.accepted(serve(h, i)) {
			i++
			continue
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("the in-process auth service does not accept request %d", i)
		}
		time.Sleep(20 * time.Millisecond)
	}

	bench := func(h http.Handler) testing.BenchmarkResult {
		return testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				serve(h, i)
				i++
			}
		})
	}
	res.mgr, res.echo = costOf(bench(h)), costOf(bench(hb.echo))

	path := filepath.Join(e.dir, hb.name+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return res, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return res, err
	}
	for i, end := 0, time.Now().Add(3*time.Second); time.Now().Before(end); i++ {
		serve(h, i)
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		return res, err
	}
	if res.cpuTop, err = pprofTop(ctx, "-top", "-cum", "-nodecount=25", path); err != nil {
		return res, err
	}
	if !hb.allocs {
		return res, nil
	}

	// Every allocation of 20,000 requests, sampled one by one: the difference of two allocation
	// profiles around them.
	const n = 20_000
	prev := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = prev }()
	base, prof := filepath.Join(e.dir, hb.name+"-allocs-base.pprof"), filepath.Join(e.dir, hb.name+"-allocs.pprof")
	if err := writeAllocs(base); err != nil {
		return res, err
	}
	for i := range n {
		serve(h, i)
	}
	if err := writeAllocs(prof); err != nil {
		return res, err
	}
	runtime.MemProfileRate = prev
	res.allocsTop, err = pprofTop(ctx, "-top", "-sample_index=alloc_objects", "-nodecount=25", "-base", base, prof)
	if err != nil {
		return res, err
	}
	res.allocsTop = fmt.Sprintf("%d requests (divide by %d for per request):\n%s", n, n, res.allocsTop)
	return res, nil
}

// writeAllocs writes the allocation profile so far (after a GC, so it is up to date).
func writeAllocs(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// pprofTop runs go tool pprof with args and returns its table, without the header lines that name
// files and times.
func pprofTop(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"tool", "pprof"}, args...)...)
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool pprof: %w", err)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Type:") ||
			strings.HasPrefix(line, "Time:") || strings.TrimSpace(line) == "" {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n"), nil
}
