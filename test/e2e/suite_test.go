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

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

const (
	// loginDomain is the manager's --login-domain: seeing it in the issued emails proves the flag
	// reached the binary under test, not a default.
	loginDomain = "support.test"
	// webhookCacheTTL is kube-apiserver's --authentication-token-webhook-cache-ttl. Small, so that
	// the fixed 10 s success cache in front of every token authenticator (SPEC §5.1) is what bounds
	// revocation, as in production with the recommended TTL.
	webhookCacheTTL = 2 * time.Second
	// apiServerSuccessCacheTTL is that fixed cache, which no flag changes.
	apiServerSuccessCacheTTL = 10 * time.Second
	// startTimeout bounds the wait for the manager's probes once it runs; the build and the
	// control plane have their own deadlines.
	startTimeout = 60 * time.Second
	// managerStopGrace is how long the manager gets after SIGTERM before it is killed (and the
	// suite fails: a manager that does not shut down cleanly is a bug).
	managerStopGrace = 15 * time.Second
	// logTailLines of each log are printed when the suite fails, which rarely says why otherwise.
	logTailLines = 60
)

// suite is the system under test, started once by TestMain.
type suite struct {
	cluster  *localcluster.Cluster
	manager  *managerproc.Process
	webhooks *envtest.WebhookInstallOptions // registered with kube-apiserver, served by the manager

	authURL   string // the manager's auth service, plain HTTP on loopback
	probeURL  string // the manager's health probes
	apiServer string // kube-apiserver's URL, for support users' kubeconfigs
	caData    []byte // kube-apiserver's serving CA
	cacheDir  string // kubectl's discovery cache, kept out of $HOME

	managerLog      string
	controlPlaneLog string
	cpLogFile       *os.File // controlPlaneLog, written to until the cluster stops
}

// e2e is the running suite; set before the tests run.
var e2e *suite

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

// runSuite starts everything, runs the tests and stops everything, returning the exit code. Any
// failure to start or stop cleanly fails the run, with the tails of the logs that say why.
func runSuite(m *testing.M) int {
	dir, err := os.MkdirTemp("", "support-access-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: create temporary directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	began := time.Now()
	s, err := startSuite(dir)
	var code int
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: start: %v\n", err)
		code = 1
	} else {
		fmt.Printf("e2e: manager built, control plane and manager ready in %s\n", time.Since(began).Round(time.Millisecond))
		e2e = s
		code = m.Run()
	}

	// Events are read while the cluster runs, the logs once everything has stopped and flushed.
	var events string
	if s.cluster != nil {
		if events, err = s.kubectl("get", "events", "--all-namespaces", "-o", "json"); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			code = 1
		}
	}
	stopBegan := time.Now()
	if err := s.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stop: %v\n", err)
		code = 1
	} else {
		fmt.Printf("e2e: everything stopped in %s\n", time.Since(stopBegan).Round(time.Millisecond))
	}
	if err := s.checkNoLeaks(events); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		code = 1
	}
	if code != 0 {
		s.dumpLogs()
	}
	if dir := os.Getenv("ARTIFACTS"); dir != "" {
		if err := s.saveLogs(dir); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: save logs to $ARTIFACTS: %v\n", err)
		}
	}
	return code
}

// startSuite builds the manager while the control plane starts (the two take about as long, and
// neither needs the other), installs the support users' ClusterRoles, then runs the manager and
// waits for its probes. The returned suite is never nil, so that the caller can stop what did start.
func startSuite(dir string) (*suite, error) {
	s := &suite{
		cacheDir:        filepath.Join(dir, "kubectl-cache"),
		managerLog:      filepath.Join(dir, "manager.log"),
		controlPlaneLog: filepath.Join(dir, "control-plane.log"),
	}
	assets, err := checkAssets()
	if err != nil {
		return s, err
	}
	authAddr, err := managerproc.FreeAddress()
	if err != nil {
		return s, err
	}
	probeAddr, err := managerproc.FreeAddress()
	if err != nil {
		return s, err
	}
	s.authURL, s.probeURL = "http://"+authAddr, "http://"+probeAddr

	ctx, cancel := context.WithCancel(context.Background())
	type built struct {
		path string
		err  error
	}
	buildDone := make(chan built, 1)
	go func() {
		path, err := managerproc.Build(ctx, dir)
		buildDone <- built{path, err}
	}()
	// waitBuild returns the build's result, as often as asked (it puts the result back).
	waitBuild := func() built { b := <-buildDone; buildDone <- b; return b }
	// Whatever happens below, the build is over before the caller removes dir: cancelled if still
	// running when the control plane failed.
	defer func() { cancel(); waitBuild() }()

	if s.cpLogFile, err = os.Create(s.controlPlaneLog); err != nil {
		return s, fmt.Errorf("create control-plane log: %w", err)
	}
	began := time.Now()
	s.cluster, err = localcluster.Start(ctx, localcluster.Options{
		AssetsDir:            assets,
		StateDir:             filepath.Join(dir, "cluster"),
		TokenWebhookURL:      s.authURL + "/tokenreview",
		TokenWebhookCacheTTL: webhookCacheTTL,
		ControllerManager:    true,
		Output:               s.cpLogFile,
	})
	if err != nil {
		s.cluster = nil // Start stopped whatever it had started.
		return s, fmt.Errorf("start control plane: %w", err)
	}
	fmt.Printf("e2e: control plane (etcd, kube-apiserver, kube-controller-manager) up in %s\n", time.Since(began).Round(time.Millisecond))
	// envtest's Host ends with "/"; paths are appended to it.
	s.apiServer = strings.TrimSuffix(s.cluster.Config.Host, "/")
	s.caData = s.cluster.Config.CAData

	roles := filepath.Join(testutil.RepoRoot(), "config", "rbac", "support_user_roles.yaml")
	if out, err := s.cluster.Kubectl(ctx, "apply", "-f", roles).CombinedOutput(); err != nil {
		return s, fmt.Errorf("kubectl apply -f %s: %w\n%s", roles, err, out)
	}

	// The admission webhooks, registered as make run-local does: the generated configurations
	// pointed at the manager on loopback, with a CA generated now.
	webhookAddr, err := managerproc.FreeAddress()
	if err != nil {
		return s, err
	}
	_, webhookPort, _ := net.SplitHostPort(webhookAddr)
	port, _ := strconv.Atoi(webhookPort)
	s.webhooks = &envtest.WebhookInstallOptions{
		Paths:            []string{filepath.Join(testutil.RepoRoot(), "config", "webhook")},
		LocalServingHost: "127.0.0.1",
		LocalServingPort: port,
	}
	if err := s.webhooks.Install(s.cluster.Config); err != nil {
		return s, fmt.Errorf("register admission webhooks: %w", err)
	}

	b := waitBuild()
	if b.err != nil {
		return s, b.err
	}
	began = time.Now()
	s.manager, err = managerproc.Start(b.path, s.managerLog, []string{
		"--kubeconfig", s.cluster.KubeconfigPath,
		"--auth-bind-address", authAddr,
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", probeAddr,
		"--webhook-cert-dir", s.webhooks.LocalServingCertDir,
		"--webhook-port", webhookPort,
		"--login-domain", loginDomain,
		"--leader-elect=false",
	})
	if err != nil {
		return s, err
	}
	if err := s.manager.WaitReady(ctx, startTimeout, s.probeURL+"/readyz", s.authURL+"/healthz"); err != nil {
		return s, err
	}
	fmt.Printf("e2e: manager ready in %s\n", time.Since(began).Round(time.Millisecond))
	return s, nil
}

// checkAssets finds the pinned control-plane binaries and kubectl, failing (not skipping) with what
// to do when they are missing.
func checkAssets() (string, error) {
	assets, err := testutil.AssetsDir()
	if err != nil {
		return "", fmt.Errorf("the end-to-end suite needs the pinned control plane: %w", err)
	}
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl"} {
		if _, err := os.Stat(filepath.Join(assets, name)); err != nil {
			return "", fmt.Errorf("the end-to-end suite needs %s in %s (run `make envtest`, or set KUBEBUILDER_ASSETS): %w", name, assets, err)
		}
	}
	return assets, nil
}

// stop stops the manager first (it talks to the control plane, and must release nothing there
// half-way), then the control plane, and checks that none of their processes is left.
func (s *suite) stop() error {
	var errs []error
	if s.manager != nil {
		if err := s.manager.Stop(managerStopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	if s.webhooks != nil {
		_ = s.webhooks.Cleanup() // the generated serving certificates
	}
	if s.cluster != nil {
		pids := s.cluster.PIDs()
		if err := s.cluster.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop control plane: %w", err))
		}
		for name, pid := range pids {
			if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
				errs = append(errs, fmt.Errorf("%s (pid %d) is still running after Stop", name, pid))
			}
		}
	}
	if s.cpLogFile != nil {
		// Stop has returned, so no component writes to it any more.
		if err := s.cpLogFile.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close control-plane log: %w", err))
		}
	}
	return errors.Join(errs...)
}

// dumpLogs prints the end of the manager's and the control plane's logs, which are removed with
// the suite's directory.
func (s *suite) dumpLogs() {
	for _, path := range []string{s.managerLog, s.controlPlaneLog} {
		tail, err := managerproc.TailLines(path, logTailLines)
		if err != nil || tail == "" {
			continue
		}
		fmt.Fprintf(os.Stderr, "e2e: last %d lines of %s:\n%s\n", logTailLines, filepath.Base(path), tail)
	}
}

// saveLogs copies the logs into dir ($ARTIFACTS, as CI systems such as Prow name it), which outlives
// the suite's temporary directory.
func (s *suite) saveLogs(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for _, path := range []string{s.managerLog, s.controlPlaneLog} {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "e2e-"+filepath.Base(path)), data, 0o644)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// kubectl runs kubectl as the admin outside any test.
func (s *suite) kubectl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := s.cluster.Kubectl(ctx, args...).Output()
	if err != nil {
		return "", fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// checkNoLeaks fails the suite if a password or session token that the tests saw (or tried), or a
// hash of one (see rememberPassword), appears in the manager's log, the control plane's log or the
// events (SPEC §3: never logged, never in events). It names where, never the secret.
func (s *suite) checkNoLeaks(events string) error {
	sources := map[string]string{"events": events}
	for _, path := range []string{s.managerLog, s.controlPlaneLog} {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // The suite failed before that component started.
		}
		if err != nil {
			return fmt.Errorf("read %s to check for leaked secrets: %w", filepath.Base(path), err)
		}
		sources[filepath.Base(path)] = string(data)
	}
	secrets := rememberedSecrets()
	var errs []error
	for name, text := range sources {
		for i, secret := range secrets {
			if strings.Contains(text, secret) {
				errs = append(errs, fmt.Errorf("secret #%d of %d seen by the tests (a password, token or hash) appears in %s", i+1, len(secrets), name))
			}
		}
	}
	return errors.Join(errs...)
}
