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
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/supportaccess/support-access-operator/controllers"
	"github.com/supportaccess/support-access-operator/internal/auth"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

// replicaHeap builds, in this process, what the manager keeps in memory apart from its
// controllers' work queues: the cache with the operator's options (label-filtered, managed fields
// stripped, passwords hashed), its field indexes, the informers of grants, Secrets, RoleBindings,
// Leases and policies, and the auth service's index. It waits until all of it is filled from the
// cluster, then returns the live heap it holds (after a full GC) and the top entries of a heap
// profile. The manager binary has no pprof endpoint; this is the nearest look inside.
func replicaHeap(ctx context.Context, e *env) (live uint64, top string, err error) {
	collect := func() uint64 {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := collect()
	mgr, err := ctrl.NewManager(e.cluster.Config, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  controllers.CacheOptions(),
		Client:                 controllers.ClientOptions(),
	})
	if err != nil {
		return 0, "", err
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := controllers.RegisterIndexes(mctx, mgr.GetFieldIndexer()); err != nil {
		return 0, "", err
	}
	if _, err := auth.Setup(mctx, mgr, auth.Options{MaxGrantDuration: 720 * time.Hour}); err != nil {
		return 0, "", err
	}
	if _, err := mgr.GetCache().GetInformer(mctx, &rbacv1.RoleBinding{}); err != nil {
		return 0, "", err
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() { cancel(); <-done }()
	if !mgr.GetCache().WaitForCacheSync(mctx) {
		return 0, "", fmt.Errorf("in-process replica: caches did not sync")
	}
	// The auth index is filled by event handlers that trail the caches slightly.
	time.Sleep(2 * time.Second)
	live = collect() - before

	path := filepath.Join(e.dir, "replica-heap.pprof")
	f, err := os.Create(path)
	if err != nil {
		return live, "", err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return live, "", err
	}
	if err := f.Close(); err != nil {
		return live, "", err
	}
	cmd := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-sample_index=inuse_space", "-nodecount=20", path)
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	out, err := cmd.Output()
	if err != nil {
		return live, "", fmt.Errorf("go tool pprof: %w", err)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Time:") ||
			strings.TrimSpace(line) == "" {
			continue
		}
		keep = append(keep, line)
	}
	return live, strings.Join(keep, "\n"), nil
}
