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
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

const (
	// managerStartTimeout bounds the wait for a manager's probes once it runs.
	managerStartTimeout = 60 * time.Second
	// managerStopGrace is how long a manager gets after SIGTERM.
	managerStopGrace = 15 * time.Second
	// benchNamespace holds the grants of every scenario.
	benchNamespace = "bench"
	// loginDomain is the manager's --login-domain.
	loginDomain = "bench.test"
)

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(supportaccessv1alpha1.AddToScheme(s))
	return s
}()

// binaries are built once per run.
type binaries struct {
	manager, loadgen, echo string
}

// buildBinaries builds the manager as the end-to-end suite does, and the load generator and echo
// server, in parallel.
func buildBinaries(ctx context.Context, dir string) (binaries, error) {
	b := binaries{loadgen: filepath.Join(dir, "loadgen"), echo: filepath.Join(dir, "echo")}
	errs := make(chan error, 3)
	go func() {
		var err error
		b.manager, err = managerproc.Build(ctx, dir)
		errs <- err
	}()
	for path, pkg := range map[string]string{b.loadgen: "./test/bench/loadgen", b.echo: "./test/bench/echo"} {
		go func() {
			cmd := exec.CommandContext(ctx, "go", "build", "-o", path, pkg)
			cmd.Dir = testutil.RepoRoot()
			cmd.SysProcAttr = localcluster.ChildProcAttr()
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
				return
			}
			errs <- nil
		}()
	}
	var all []error
	for range 3 {
		all = append(all, <-errs)
	}
	return b, errors.Join(all...)
}

// env is one local control plane (etcd, kube-apiserver; no kube-controller-manager: nothing
// measured needs it, and its garbage collector would watch everything and add noise) and the
// managers running against it. Every scenario phase gets a fresh one, so none inherits another's
// objects, compaction debt or warm caches.
type env struct {
	b        *bench
	name     string
	dir      string
	cluster  *localcluster.Cluster
	c        client.WithWatch
	logFile  *os.File
	managers []*manager
	// webhooks are registered with kube-apiserver when the phase's first manager starts, and
	// served by it (-admission=webhooks).
	webhooks *envtest.WebhookInstallOptions
}

func (b *bench) startEnv(ctx context.Context, name string) (*env, error) {
	return b.startEnvWith(ctx, name, localcluster.Options{})
}

// startEnvWith is startEnv with control-plane options of the scenario's own (e.g. a token
// webhook); the bench sets their assets, state directory and output.
func (b *bench) startEnvWith(ctx context.Context, name string, opts localcluster.Options) (*env, error) {
	e := &env{b: b, name: name, dir: filepath.Join(b.dir, name)}
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return nil, err
	}
	var err error
	if e.logFile, err = os.Create(filepath.Join(e.dir, "control-plane.log")); err != nil {
		return nil, err
	}
	began := time.Now()
	opts.AssetsDir, opts.StateDir, opts.Output = b.assets, filepath.Join(e.dir, "cluster"), e.logFile
	e.cluster, err = localcluster.Start(ctx, opts)
	if err != nil {
		e.logFile.Close()
		return nil, fmt.Errorf("start control plane for %s: %w", name, err)
	}
	b.logf("%s: control plane up in %s", name, time.Since(began).Round(time.Millisecond))
	if e.c, err = client.NewWithWatch(e.cluster.Config, client.Options{Scheme: scheme}); err != nil {
		return nil, errors.Join(err, e.stop())
	}
	if b.apiServerVersion == "" {
		if dc, err := discovery.NewDiscoveryClientForConfig(e.cluster.Config); err == nil {
			if v, err := dc.ServerVersion(); err == nil {
				b.apiServerVersion = v.GitVersion
			}
		}
	}
	if err := e.createNamespace(ctx, benchNamespace); err != nil {
		return nil, errors.Join(err, e.stop())
	}
	// Before the warm-up, so that it warms up the policies' evaluation too.
	if err := e.installAdmission(ctx); err != nil {
		return nil, errors.Join(err, e.stop())
	}
	if err := e.warmUp(ctx); err != nil {
		return nil, errors.Join(err, e.stop())
	}
	return e, nil
}

func (e *env) createNamespace(ctx context.Context, name string) error {
	return e.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

// warmUp writes and deletes, in a namespace of its own, a few hundred of each kind of object the
// scenarios write: grants (and their status), Events, Secrets, RoleBindings, Leases and ConfigMaps. A
// freshly started kube-apiserver builds a CRD's handler (schema, CEL programs) on its first
// request and is busy with post-start work for a few seconds; the first writes of each kind also
// pay for discovery in the client. That costs up to 2 s at 32 clients, which no scenario should
// measure. It runs before any manager starts, so no manager ever sees these grants: their
// finalizer (added by the admission policies, -admission=policies) is taken off before they are
// deleted, so none is left terminating for the manager.
func (e *env) warmUp(ctx context.Context) error {
	const namespace, n = "bench-warm-up", 100
	if err := e.createNamespace(ctx, namespace); err != nil {
		return err
	}
	began := time.Now()
	for round := range 2 {
		err := parallel(ctx, 0, n, e.b.opts.clients, func(ctx context.Context, i int) error {
			name := fmt.Sprintf("warm-up-%d-%d", round, i)
			meta := metav1.ObjectMeta{Namespace: namespace, Name: name}
			g := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: meta}
			if err := e.c.Create(ctx, g); err != nil {
				return err
			}
			orig := g.DeepCopy()
			g.Status.Phase = supportaccessv1alpha1.GrantPhasePending
			if err := e.c.Status().Patch(ctx, g, client.MergeFrom(orig)); err != nil {
				return err
			}
			// The baseline of issue writes an events.k8s.io Event per grant, as the manager does.
			ev, err := grantEvent(g, "bench-warm-up", "WarmUp", "WarmUp", "warm-up")
			if err != nil {
				return err
			}
			objs := []client.Object{
				ev,
				&corev1.Secret{ObjectMeta: meta, Data: map[string][]byte{"key": []byte(strings.Repeat("x", 100))}},
				&corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"key": strings.Repeat("x", 100)}},
				&rbacv1.RoleBinding{ObjectMeta: meta,
					RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
					Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}}},
				&coordinationv1.Lease{ObjectMeta: meta},
			}
			for _, o := range objs {
				if err := e.c.Create(ctx, o); err != nil {
					return err
				}
			}
			if len(g.Finalizers) > 0 {
				orig := g.DeepCopy()
				g.Finalizers = nil
				if err := e.c.Patch(ctx, g, client.MergeFrom(orig)); err != nil {
					return err
				}
			}
			for _, o := range append(objs, g) {
				if err := e.c.Delete(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("warm up: %w", err)
		}
	}
	e.b.logf("%s: warmed up in %s", e.name, time.Since(began).Round(time.Millisecond))
	return nil
}

// stop stops the managers, then the control plane.
func (e *env) stop() error {
	var errs []error
	for _, m := range e.managers {
		if done, _ := m.proc.Exited(); !done {
			if err := m.proc.Stop(managerStopGrace); err != nil {
				errs = append(errs, err)
			}
		}
	}
	e.managers = nil
	if e.webhooks != nil {
		_ = e.webhooks.Cleanup() // the generated serving certificates
		e.webhooks = nil
	}
	if e.cluster != nil {
		if err := e.cluster.Stop(); err != nil {
			errs = append(errs, err)
		}
		e.cluster = nil
	}
	if e.logFile != nil {
		e.logFile.Close()
		e.logFile = nil
	}
	return errors.Join(errs...)
}

// pids returns the control plane's process ids by component name.
func (e *env) pids() map[string]int { return e.cluster.PIDs() }

// manager is one running manager process.
type manager struct {
	name       string
	proc       *managerproc.Process
	authURL    string
	metricsURL string
	pprofURL   string // Go's pprof endpoints (--pprof-bind-address)
	logPath    string
	// readyIn is the time from the process's start until its probes answered: readyz and, in
	// plain HTTP, the auth service's /healthz, which it binds only once the manager's caches and
	// its own indexes have synced.
	readyIn time.Duration
}

// startManager runs the manager binary against the cluster (plain-HTTP auth service, metrics and
// pprof on loopback, the admission flags of -admission) and waits for its probes.
func (e *env) startManager(ctx context.Context, name string, extra ...string) (*manager, error) {
	return e.startManagerWith(ctx, name, authTLS{}, extra...)
}

// authTLS is how a manager's auth service listens: on a free loopback port in plain HTTP (the
// zero value), or on addr (if set) over TLS with the certificate in certDir (if set).
type authTLS struct {
	addr    string
	certDir string
}

// startManagerWith is startManager with the auth service's address and TLS of auth.
func (e *env) startManagerWith(ctx context.Context, name string, auth authTLS, extra ...string) (*manager, error) {
	addrs := make([]string, 4)
	for i := range addrs {
		a, err := managerproc.FreeAddress()
		if err != nil {
			return nil, err
		}
		addrs[i] = a
	}
	authAddr, probeAddr, metricsAddr, pprofAddr := addrs[0], addrs[1], addrs[2], addrs[3]
	if auth.addr != "" {
		authAddr = auth.addr
	}
	authScheme := "http://"
	if auth.certDir != "" {
		authScheme = "https://"
	}
	m := &manager{
		name:       name,
		authURL:    authScheme + authAddr,
		metricsURL: "http://" + metricsAddr + "/metrics",
		pprofURL:   "http://" + pprofAddr,
		logPath:    filepath.Join(e.dir, name+".log"),
	}
	args := []string{
		"--kubeconfig", e.cluster.KubeconfigPath,
		"--auth-bind-address", authAddr,
		"--metrics-bind-address", metricsAddr,
		"--metrics-secure=false",
		"--health-probe-bind-address", probeAddr,
		"--pprof-bind-address", pprofAddr,
		"--login-domain", loginDomain,
	}
	if auth.certDir != "" {
		args = append(args, "--auth-cert-dir", auth.certDir)
	}
	admissionArgs, err := e.admissionArgs()
	if err != nil {
		return nil, err
	}
	args = append(args, admissionArgs...)
	if e.b.opts.grantWorkers > 0 {
		args = append(args, "--grant-workers", strconv.Itoa(e.b.opts.grantWorkers))
	}
	args = append(args, extra...)
	began := time.Now()
	restore := setEnv(e.b.opts.managerEnv)
	m.proc, err = managerproc.Start(e.b.bins.manager, m.logPath, args)
	restore()
	if err != nil {
		return nil, err
	}
	m.proc.Name = name
	e.managers = append(e.managers, m)
	ready := []string{"http://" + probeAddr + "/readyz"}
	if auth.certDir == "" {
		// WaitReady's client trusts no private CA; over TLS, readyz (informers synced, the auth
		// service started) is the signal, and the first request the scenario makes checks it.
		ready = append(ready, m.authURL+"/healthz")
	}
	if err := m.proc.WaitReady(ctx, managerStartTimeout, ready...); err != nil {
		tail, _ := managerproc.TailLines(m.logPath, 30)
		return nil, fmt.Errorf("%w\n%s", err, tail)
	}
	m.readyIn = time.Since(began)
	e.b.logf("%s: %s ready in %s", e.name, name, m.readyIn.Round(time.Millisecond))
	return m, nil
}

// setEnv sets NAME=value pairs in this process's environment, which the managers inherit, and
// returns a function restoring the previous values. Managers are started one at a time.
func setEnv(kvs []string) (restore func()) {
	type old struct {
		name, value string
		set         bool
	}
	var olds []old
	for _, kv := range kvs {
		name, value, _ := strings.Cut(kv, "=")
		v, set := os.LookupEnv(name)
		olds = append(olds, old{name, v, set})
		os.Setenv(name, value)
	}
	return func() {
		for _, o := range olds {
			if o.set {
				os.Setenv(o.name, o.value)
			} else {
				os.Unsetenv(o.name)
			}
		}
	}
}

// stopManager stops one manager (SIGTERM, then the grace period).
func (e *env) stopManager(m *manager) error {
	for i, x := range e.managers {
		if x == m {
			e.managers = append(e.managers[:i], e.managers[i+1:]...)
			break
		}
	}
	return m.proc.Stop(managerStopGrace)
}

// memory returns the manager's resident set (VmRSS) and its peak (VmHWM), in bytes.
func (m *manager) memory() (rss, hwm int64, err error) {
	return m.proc.Memory()
}

// cpuTime returns the user+system CPU time a process has used so far.
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// cpuMeter measures the CPU time of the control plane, the managers and this process over a
// phase: which one saturates the 2 cores is what limits most figures.
type cpuMeter struct {
	began time.Time
	pids  map[string]int
	start map[string]time.Duration
}

func (e *env) cpuMeter() *cpuMeter {
	m := &cpuMeter{began: time.Now(), pids: e.pids(), start: map[string]time.Duration{}}
	for _, mgr := range e.managers {
		m.pids[mgr.name] = mgr.proc.PID()
	}
	m.pids["bench"] = os.Getpid()
	for name, pid := range m.pids {
		m.start[name] = cpuTime(pid)
	}
	return m
}

// String reports each component's share of the cores over the phase, e.g.
// "kube-apiserver 1.12 cores, etcd 0.31, manager 0.40, bench 0.10 (of 2, over 12.3s)".
func (m *cpuMeter) String() string {
	wall := time.Since(m.began)
	var parts []string
	for _, name := range []string{"kube-apiserver", "etcd", "manager", "manager-a", "manager-b", "bench"} {
		if _, ok := m.pids[name]; !ok {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", name, m.used(name).Seconds()/wall.Seconds()))
	}
	return fmt.Sprintf("CPU in cores: %s (of %d, over %s)", strings.Join(parts, ", "), numCPU(), wall.Round(100*time.Millisecond))
}

// used returns the CPU time the named component (a control-plane process, a manager or "bench")
// has used since the meter started: its own process's user and system time, in the kernel's
// 10 ms ticks, and none of the other processes'.
func (m *cpuMeter) used(name string) time.Duration {
	pid, ok := m.pids[name]
	if !ok {
		return 0
	}
	return cpuTime(pid) - m.start[name]
}

// scrape returns the manager's Prometheus metrics.
func (m *manager) scrape(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.metricsURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("scrape %s: %w", m.metricsURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("scrape %s: status %d", m.metricsURL, resp.StatusCode)
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

// sumCount returns the _sum and _count of a histogram series from a scrape, adding every series
// whose labels contain each of labels (e.g. operation="list").
func sumCount(metrics, name string, labels ...string) (sum, count float64) {
	for _, line := range strings.Split(metrics, "\n") {
		var isSum bool
		rest, ok := strings.CutPrefix(line, name+"_sum{")
		if ok {
			isSum = true
		} else if rest, ok = strings.CutPrefix(line, name+"_count{"); !ok {
			continue
		}
		inner, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		match := true
		for _, l := range labels {
			if !strings.Contains(inner, l) {
				match = false
			}
		}
		if !match {
			continue
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if isSum {
			sum += v
		} else {
			count += v
		}
	}
	return sum, count
}

// waitProfile summarises where the grant controller's time went, from the manager's metrics:
// reconciles (count, mean) and the read-your-writes waits of its cached reads.
func (m *manager) waitProfile(ctx context.Context) string {
	metrics, err := m.scrape(ctx)
	if err != nil {
		return err.Error()
	}
	rs, rc := sumCount(metrics, "controller_runtime_reconcile_time_seconds", `controller="supportaccessgrant"`)
	gs, gc := sumCount(metrics, "controller_runtime_client_consistency_wait_duration_seconds", `operation="get"`)
	ls, lc := sumCount(metrics, "controller_runtime_client_consistency_wait_duration_seconds", `operation="list"`)
	mean := func(s, c float64) string {
		if c == 0 {
			return "0"
		}
		return dur(time.Duration(s / c * float64(time.Second)))
	}
	return fmt.Sprintf("%.0f grant reconciles, mean %s (%.1f s in all); read-your-writes waits: %.0f cached Gets, mean %s (%.1f s), %.0f cached Lists, mean %s (%.1f s)",
		rc, mean(rs, rc), rs, gc, mean(gs, gc), gs, lc, mean(ls, lc), ls)
}

// profileAPIServer takes a CPU profile of kube-apiserver over d (its /debug/pprof, as the admin)
// and returns the top entries as `go tool pprof -top` prints them.
func (e *env) profileAPIServer(ctx context.Context, d time.Duration, name string) (string, error) {
	hc, err := rest.HTTPClientFor(e.cluster.Config)
	if err != nil {
		return "", err
	}
	url := strings.TrimSuffix(e.cluster.Config.Host, "/") + fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds()))
	return e.profileTop(ctx, hc, url, name, "-nodecount=15")
}

// profileManager takes a profile of a manager from its --pprof-bind-address: kind "profile" (CPU
// over d) or "heap" (live objects after a GC), and returns the top entries.
func (e *env) profileManager(ctx context.Context, m *manager, kind string, d time.Duration, name string) (string, error) {
	switch kind {
	case "profile":
		return e.profileTop(ctx, http.DefaultClient, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", m.pprofURL, int(d.Seconds())), name, "-nodecount=20")
	case "heap":
		return e.profileTop(ctx, http.DefaultClient, m.pprofURL+"/debug/pprof/heap?gc=1", name, "-nodecount=25", "-sample_index=inuse_space")
	}
	return "", fmt.Errorf("unknown profile %q", kind)
}

// profileTop downloads a pprof profile from url into the run's directory and returns the top
// entries as `go tool pprof -top` prints them, without the header lines that name files and times.
func (e *env) profileTop(ctx context.Context, hc *http.Client, url, name string, pprofArgs ...string) (string, error) {
	path := filepath.Join(e.dir, name+".pprof")
	if err := downloadProfile(ctx, hc, url, path); err != nil {
		return "", fmt.Errorf("profile %s: %w", name, err)
	}
	return pprofTop(ctx, append(append([]string{"-top"}, pprofArgs...), path)...)
}

// downloadProfile saves the profile at url to path.
func downloadProfile(ctx context.Context, hc *http.Client, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
