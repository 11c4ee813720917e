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

package tenantmemory

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/managerproc"
)

const (
	managerReadyTimeout = 2 * time.Minute
	managerStopGrace    = 30 * time.Second
	// settle is how long a manager idles, once ready, before its memory is read: a measurement
	// period, not a wait for a condition. It lets the first reconciles and the auth service's
	// start-up work finish, so that the heap read after a forced GC is the steady one.
	settle = 5 * time.Second
)

// manager is one running manager process with its endpoints.
type manager struct {
	name       string
	proc       *managerproc.Process
	metricsURL string
	pprofURL   string
	log        string
}

// startManager runs a manager with the Deployment's env (plus extraEnv, NAME=value) and waits until
// it is ready. The auth service answers /healthz only once every informer of the manager's cache
// has synced and delivered its initial list to the handlers, so ready means the initial list,
// where a tenant's objects would hit hardest, is over.
func startManager(t *testing.T, name string, extraEnv ...string) *manager {
	t.Helper()
	addrs := make([]string, 4)
	for i := range addrs {
		a, err := managerproc.FreeAddress()
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = a
	}
	authAddr, probeAddr, metricsAddr, pprofAddr := addrs[0], addrs[1], addrs[2], addrs[3]
	m := &manager{
		name:       name,
		metricsURL: "http://" + metricsAddr + "/metrics",
		pprofURL:   "http://" + pprofAddr + "/debug/pprof",
		log:        filepath.Join(workDir, name+".log"),
	}
	// The child inherits this process's environment.
	for _, kv := range append(append([]string(nil), managerEnv...), extraEnv...) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	proc, err := managerproc.Start(binary, m.log, []string{
		"--kubeconfig", cluster.KubeconfigPath,
		"--auth-bind-address", authAddr,
		"--health-probe-bind-address", probeAddr,
		"--metrics-bind-address", metricsAddr, "--metrics-secure=false",
		"--pprof-bind-address", pprofAddr,
		"--disable-webhooks",
		"--login-domain", "support.test",
	})
	if err != nil {
		t.Fatal(err)
	}
	m.proc = proc
	t.Cleanup(func() {
		if done, _ := proc.Exited(); !done {
			if err := proc.Stop(managerStopGrace); err != nil {
				t.Errorf("stop manager %s: %v", name, err)
			}
		}
	})
	if err := proc.WaitReady(context.Background(), managerReadyTimeout, "http://"+probeAddr+"/readyz", "http://"+authAddr+"/healthz"); err != nil {
		tail, _ := managerproc.TailLines(m.log, 30)
		t.Fatalf("%v\n%s", err, tail)
	}
	return m
}

// stop stops the manager gracefully.
func (m *manager) stop(t *testing.T) {
	t.Helper()
	if err := m.proc.Stop(managerStopGrace); err != nil {
		t.Errorf("stop manager %s: %v", m.name, err)
	}
}

// memory is what a manager's memory is measured by.
type memory struct {
	// peakRSS is VmHWM: the most the process ever had resident. The initial list is where a
	// tenant's objects would push it over the container's limit (the OOM kill of issue 12).
	peakRSS int64
	rss     int64
	// heapInUse and heapLive are the Go heap's spans in use and its live objects, right after a
	// forced GC: what the manager keeps, garbage aside.
	heapInUse, heapLive int64
}

func (r memory) String() string {
	return fmt.Sprintf("peak RSS %s, RSS %s, heap in use %s (live %s)", mib(r.peakRSS), mib(r.rss), mib(r.heapInUse), mib(r.heapLive))
}

// measure reads m's memory after the settle period.
func (m *manager) measure(ctx context.Context) (memory, error) {
	var r memory
	select {
	case <-time.After(settle):
	case <-ctx.Done():
		return r, ctx.Err()
	}
	// The heap profile endpoint runs a GC first when asked (gc=1).
	if _, err := get(ctx, m.pprofURL+"/heap?gc=1"); err != nil {
		return r, err
	}
	metrics, err := get(ctx, m.metricsURL)
	if err != nil {
		return r, err
	}
	r.heapInUse = int64(gauge(metrics, "go_memstats_heap_inuse_bytes"))
	r.heapLive = int64(gauge(metrics, "go_memstats_heap_alloc_bytes"))
	if r.heapInUse == 0 {
		return r, fmt.Errorf("no go_memstats_heap_inuse_bytes in %s", m.metricsURL)
	}
	r.rss, r.peakRSS, err = m.proc.Memory()
	return r, err
}

func get(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	return string(data), nil
}

// gauge returns the value of an unlabelled metric from a scrape.
func gauge(metrics, name string) float64 {
	for _, line := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func signedMiB(b int64) string { return fmt.Sprintf("%+.1f MiB", float64(b)/(1<<20)) }
