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
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/supportaccess/support-access-operator/controllers"
	"github.com/supportaccess/support-access-operator/internal/auth"
	"github.com/supportaccess/support-access-operator/internal/keyring"
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
	mgr, err := ctrl.NewManager(e.cluster.Config, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  controllers.CacheOptions(),
		Client:                 controllers.ClientOptions(),
	})
	if err != nil {
		return mgrCost, echoCost, "", err
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The manager's own keys: the grants' login emails and the sessions were signed with them.
	ring, err := keyring.LoadOrCreate(ctx, e.c, types.NamespacedName{Namespace: "default", Name: keyring.DefaultSecretName})
	if err != nil {
		return mgrCost, echoCost, "", err
	}
	svc, err := auth.Setup(mctx, mgr, auth.Options{MaxGrantDuration: 720 * time.Hour, Keyring: ring})
	if err != nil {
		return mgrCost, echoCost, "", err
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { cancel(); <-done }()
	h := svc.Handler()

	bodies := make([][]byte, len(tokens))
	for i, t := range tokens {
		bodies[i] = tokenReviewBody(t)
	}
	serve := func(h http.Handler, i int) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/tokenreview", bytes.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Content-Type", "application/json")
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, req)
		return rr
	}
	// Wait until the in-process service knows every session (its caches and indexes are filled
	// from the watch).
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < len(bodies); {
		if bytes.Contains(serve(h, i).Body.Bytes(), authenticatedTrue) {
			i++
			continue
		}
		if time.Now().After(deadline) {
			return mgrCost, echoCost, "", fmt.Errorf("the in-process auth service does not accept session %d", i)
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
	eh := echo.Handler(template)
	mgrCost, echoCost = costOf(bench(h)), costOf(bench(eh))

	path := filepath.Join(e.dir, "auth-handler.pprof")
	f, err := os.Create(path)
	if err != nil {
		return mgrCost, echoCost, "", err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return mgrCost, echoCost, "", err
	}
	for i, end := 0, time.Now().Add(3*time.Second); time.Now().Before(end); i++ {
		serve(h, i)
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		return mgrCost, echoCost, "", err
	}
	cmd := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", "-nodecount=25", path)
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	out, err := cmd.Output()
	if err != nil {
		return mgrCost, echoCost, "", fmt.Errorf("go tool pprof: %w", err)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Type:") ||
			strings.HasPrefix(line, "Time:") || strings.TrimSpace(line) == "" {
			continue
		}
		keep = append(keep, line)
	}
	return mgrCost, echoCost, strings.Join(keep, "\n"), nil
}
