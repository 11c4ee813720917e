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

// Command bench measures the performance targets (docs/reference.md#performance-targets) against
// baselines measured in the same run, on a local control plane (internal/localcluster) and the real
// manager binary, and writes a Markdown report. `make bench` runs it; BENCH=<scenario> runs one
// scenario.
//
// It is a program, not a test: nothing here runs under `go test ./...`.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/supportaccess/support-access-operator/internal/managerproc"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// scenario is one benchmark: it adds its figures to the section it is given.
type scenario struct {
	name  string
	title string
	run   func(ctx context.Context, b *bench, s *section) error
	// optIn scenarios run only when named (-scenarios): too long for every make bench.
	optIn bool
}

var scenarios = []scenario{
	{"issue", "Issue throughput", runIssue, false},
	{"expiry", "Expiry precision", runExpiry, false},
	{"revoke", "Revoke propagation", runRevoke, false},
	{"tokenreview", "TokenReview throughput and latency", runTokenReview, false},
	{"forwardauth", "Forward auth throughput and latency", runForwardAuth, false},
	{"churn", "Steady churn", runChurn, false},
	{"login", "Login cost", runLogin, false},
	{"memory", "Manager memory", runMemory, false},
	{"scale", "Cost curves", runScale, true},
}

type options struct {
	scenarios        []string
	sizes            []int
	clients          int
	grantWorkers     int
	expiryGrants     int
	expirySpread     time.Duration
	expirySessions   int
	revokes          int
	trConcurrency    []int
	trDuration       time.Duration
	trSessions       int
	trTLSConcurrency []int
	e2eSessions      int
	scaleSizes       []int
	scaleSessions    int
	faConcurrency    []int
	faDuration       time.Duration
	faSessions       int
	churnRate        float64
	churnDuration    time.Duration
	churnGrants      int
	logins           int
	unrelatedSecrets int
	reportPath       string
	keep             bool
	profile          bool
	admission        string // admissionPolicies, admissionWebhooks or admissionNone (-admission)
	managerEnv       []string
}

// bench is the run: options, the built binaries and the working directory.
type bench struct {
	opts             options
	dir              string
	assets           string
	bins             binaries
	apiServerVersion string
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// smallSize is the first (smallest) size: the default for the scenarios that are not about scale.
func (o options) smallSize() int { return slices.Min(o.sizes) }

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	// controller-runtime's client logs through this; only its errors matter here.
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
	os.Exit(code)
}

func parseFlags() (options, error) {
	var o options
	var names, sizes, conc, faConc string
	flag.StringVar(&names, "scenarios", "", "Comma-separated scenarios to run (empty or all: every one but scale, which runs only when named): "+scenarioNames())
	flag.StringVar(&sizes, "sizes", "1000,10000", "Grant counts: issue runs at each, memory measures at each; the smallest is the default of the other scenarios.")
	flag.IntVar(&o.clients, "clients", 32, "Concurrent clients creating grants (and writing the baseline's objects).")
	flag.IntVar(&o.grantWorkers, "grant-workers", 0, "The manager's --grant-workers; 0 leaves its default.")
	flag.IntVar(&o.expiryGrants, "expiry-grants", 0, "Grants expiring in the expiry scenario (0: the smallest size).")
	flag.DurationVar(&o.expirySpread, "expiry-spread", 10*time.Second, "Expiry times are spread over this span.")
	flag.IntVar(&o.expirySessions, "expiry-sessions", 20, "Grants logged in to and checked around their expiry.")
	flag.IntVar(&o.revokes, "revokes", 200, "Accesses ended and measured: revoked, deleted and logged out in turn.")
	flag.StringVar(&conc, "tokenreview-concurrency", "1,4,16,64", "Closed-loop concurrencies of the tokenreview scenario.")
	flag.DurationVar(&o.trDuration, "tokenreview-duration", 5*time.Second, "Measurement time of each tokenreview load run (after 1s of warm-up).")
	flag.IntVar(&o.trSessions, "tokenreview-sessions", 100, "Session tokens the tokenreview load uses in turn.")
	var tlsConc, scaleSizes string
	flag.StringVar(&scaleSizes, "scale-sizes", "1000,5000,10000,30000", "Grant counts of the scale scenario (run only when named: BENCH=scale).")
	flag.IntVar(&o.scaleSessions, "scale-sessions", 1000, "Live sessions of the scale scenario's /tokenreview load at each size.")
	flag.StringVar(&tlsConc, "tokenreview-tls-concurrency", "1,16,64", "Closed-loop concurrencies of the tokenreview scenario's TLS run.")
	flag.IntVar(&o.e2eSessions, "e2e-sessions", 1000, "Distinct support sessions (and ServiceAccount tokens) of the tokenreview scenario's "+
		"end-to-end figure, each used once, so that kube-apiserver's token caches never answer.")
	flag.StringVar(&faConc, "forwardauth-concurrency", "1,4,16,64", "Closed-loop concurrencies of the forwardauth scenario.")
	flag.DurationVar(&o.faDuration, "forwardauth-duration", 5*time.Second, "Measurement time of each forwardauth load run (after 1s of warm-up).")
	flag.IntVar(&o.faSessions, "forwardauth-sessions", 100, "Browser sessions (half Full, half Limited) the forwardauth load uses in turn.")
	flag.Float64Var(&o.churnRate, "churn-rate", 100, "Grant changes per second in the churn scenario.")
	flag.DurationVar(&o.churnDuration, "churn-duration", 60*time.Second, "How long the churn lasts.")
	flag.IntVar(&o.churnGrants, "churn-grants", 0, "Grants the churn changes in turn (0: the smallest size).")
	flag.IntVar(&o.logins, "logins", 500, "Logins measured one after another in the login scenario.")
	flag.IntVar(&o.unrelatedSecrets, "unrelated-secrets", 100_000, "Unrelated Secrets added in the memory scenario.")
	flag.StringVar(&o.reportPath, "report", "bench/report.md", "Where to write the Markdown report (relative to the repository root).")
	var managerEnv string
	flag.StringVar(&managerEnv, "manager-env", "", "Comma-separated NAME=value environment variables for the manager processes, "+
		"after the manager container's env of config/manager/manager.yaml (which they override), e.g. GOMEMLIMIT=100MiB,GOGC=100.")
	flag.BoolVar(&o.profile, "profile", true, "Take a CPU profile of kube-apiserver while the operator issues grants, and put its top entries in the report.")
	flag.StringVar(&o.admission, "admission", admissionPolicies, "The admission path: "+admissionPolicies+" (as deployed on "+
		"Kubernetes 1.36 and later: config/admission's policies and the limits ConfigMap installed in every phase's "+
		"control plane, the managers with --disable-webhooks --limits-configmap), "+admissionWebhooks+" (the fallback of "+
		"older clusters: the webhooks registered and served by the first manager of each phase) or "+admissionNone+
		" (--disable-webhooks, no policies).")
	flag.BoolVar(&o.keep, "keep", false, "Keep the working directory (logs of the control planes and managers).")
	flag.Parse()

	// The manager runs as deployed: with its container's env, then the flag's, which wins.
	deployed, err := managerproc.DeploymentEnv()
	if err != nil {
		return o, err
	}
	o.managerEnv = deployed
	for _, kv := range strings.Split(managerEnv, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		if !strings.Contains(kv, "=") {
			return o, fmt.Errorf("-manager-env %q: want NAME=value", kv)
		}
		o.managerEnv = append(o.managerEnv, kv)
	}
	if o.sizes, err = parseInts(sizes); err != nil || len(o.sizes) == 0 {
		return o, fmt.Errorf("-sizes %q: want positive integers, e.g. 1000,10000", sizes)
	}
	if o.trConcurrency, err = parseInts(conc); err != nil || len(o.trConcurrency) == 0 {
		return o, fmt.Errorf("-tokenreview-concurrency %q: want positive integers", conc)
	}
	if o.scaleSizes, err = parseInts(scaleSizes); err != nil || len(o.scaleSizes) == 0 {
		return o, fmt.Errorf("-scale-sizes %q: want positive integers", scaleSizes)
	}
	if o.trTLSConcurrency, err = parseInts(tlsConc); err != nil || len(o.trTLSConcurrency) == 0 {
		return o, fmt.Errorf("-tokenreview-tls-concurrency %q: want positive integers", tlsConc)
	}
	if o.faConcurrency, err = parseInts(faConc); err != nil || len(o.faConcurrency) == 0 {
		return o, fmt.Errorf("-forwardauth-concurrency %q: want positive integers", faConc)
	}
	if o.expiryGrants == 0 {
		o.expiryGrants = o.smallSize()
	}
	if o.churnGrants == 0 {
		o.churnGrants = o.smallSize()
	}
	o.expirySessions = min(o.expirySessions, o.expiryGrants)
	if o.clients < 1 || o.revokes < 3 || o.logins < 1 || o.trSessions < 1 || o.e2eSessions < 10 || o.scaleSessions < 1 || o.faSessions < 2 || o.churnRate <= 0 || o.churnGrants < 1 {
		return o, errors.New("-clients, -revokes (≥ 3), -logins, -tokenreview-sessions, -e2e-sessions (≥ 10), -scale-sessions, -forwardauth-sessions (≥ 2), -churn-rate and -churn-grants must be positive")
	}
	if !slices.Contains([]string{admissionPolicies, admissionWebhooks, admissionNone}, o.admission) {
		return o, fmt.Errorf("-admission %q: want %s, %s or %s", o.admission, admissionPolicies, admissionWebhooks, admissionNone)
	}
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		if n == "" || n == "all" {
			continue
		}
		if !slices.ContainsFunc(scenarios, func(s scenario) bool { return s.name == n }) {
			return o, fmt.Errorf("unknown scenario %q; choose from %s", n, scenarioNames())
		}
		o.scenarios = append(o.scenarios, n)
	}
	return o, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ReplaceAll(f, "_", ""))
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func scenarioNames() string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

// run builds the binaries, runs the selected scenarios one after another and writes the report.
// The exit code is 0 when every scenario ran, even if a target is missed (the report says so), and
// 1 when one could not run.
func run(ctx context.Context, o options) (int, error) {
	began := time.Now()
	dir, err := os.MkdirTemp("", "support-access-bench-")
	if err != nil {
		return 1, err
	}
	if o.keep {
		fmt.Fprintf(os.Stderr, "bench: working directory (kept): %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	b := &bench{opts: o, dir: dir}
	if b.assets, err = testutil.AssetsDir(); err != nil {
		return 1, err
	}
	b.logf("building the manager, load generator and echo server")
	if b.bins, err = buildBinaries(ctx, dir); err != nil {
		return 1, err
	}
	m := machineFacts(b)

	var sections []*section
	code := 0
	for _, sc := range scenarios {
		if named := slices.Contains(o.scenarios, sc.name); (len(o.scenarios) > 0 && !named) || (sc.optIn && !named) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		s := newSection(sc.name, sc.title, "")
		b.logf("scenario %s: start", sc.name)
		t := time.Now()
		s.Err = sc.run(ctx, b, s)
		s.Took = time.Since(t)
		if s.Err != nil {
			code = 1
			fmt.Fprintf(os.Stderr, "bench: scenario %s failed: %v\n", sc.name, s.Err)
		}
		b.logf("scenario %s: done in %s", sc.name, s.Took.Round(time.Second))
		sections = append(sections, s)
	}
	if m.APIServerVersion == "" {
		m.APIServerVersion = b.apiServerVersion
	}

	path := o.reportFile()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 1, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 1, err
	}
	writeReport(f, m, sections, time.Since(began))
	if err := f.Close(); err != nil {
		return 1, err
	}
	fmt.Printf("\nReport written to %s\n", path)
	printSummary(sections)
	if ctx.Err() != nil {
		return 1, ctx.Err()
	}
	return code, nil
}

// reportFile is the report's absolute path (-report, relative to the repository root).
func (o options) reportFile() string {
	if filepath.IsAbs(o.reportPath) {
		return o.reportPath
	}
	return filepath.Join(testutil.RepoRoot(), o.reportPath)
}

// printSummary prints every figure again as one table at the end of the output.
func printSummary(sections []*section) {
	fmt.Println()
	for _, s := range sections {
		fmt.Printf("== %s (%s)\n", s.Title, s.Name)
		for _, r := range s.Rows {
			fmt.Printf("  %-58s %-28s baseline %-22s ratio %-6s target %-22s %s\n",
				r.Figure, r.Value, orDash(r.Baseline), orDash(r.Ratio), orDash(r.Target), r.Result)
		}
		if s.Err != nil {
			fmt.Printf("  ERROR: %v\n", s.Err)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func numCPU() int { return runtime.NumCPU() }

// machineFacts collects what the report states about the machine and the versions.
func machineFacts(b *bench) machine {
	m := machine{Cores: numCPU(), GoVersion: runtime.Version(), Started: time.Now()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		if _, v, ok := strings.Cut(line, ":"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
		}
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(data))
		if len(f) >= 3 {
			m.LoadAverage = strings.Join(f[:3], " ")
		}
	}
	if out, err := exec.Command(filepath.Join(b.assets, "etcd"), "--version").Output(); err == nil {
		line, _, _ := strings.Cut(string(out), "\n")
		m.EtcdVersion = strings.TrimSpace(strings.TrimPrefix(line, "etcd Version:"))
	}
	if out, err := exec.Command(filepath.Join(b.assets, "kube-apiserver"), "--version").Output(); err == nil {
		m.APIServerVersion = strings.TrimSpace(strings.TrimPrefix(string(out), "Kubernetes"))
	}
	cmd := exec.Command("git", "describe", "--always", "--dirty")
	cmd.Dir = testutil.RepoRoot()
	if out, err := cmd.Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	m.ManagerEnv = strings.Join(b.opts.managerEnv, " ")
	m.Admission = admissionDescription(b.opts.admission)
	m.Flags = strings.Join(os.Args[1:], " ")
	if m.Flags == "" {
		m.Flags = "(defaults)"
	}
	return m
}
