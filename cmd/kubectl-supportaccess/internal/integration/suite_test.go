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

package integration

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

const (
	// loginDomain is the manager's --login-domain; seeing it in emails proves the flags reached it.
	loginDomain = "support.test"
	// webhookCacheTTL is kube-apiserver's token webhook cache: short, as the docs recommend.
	webhookCacheTTL = 2 * time.Second
	// buildTimeout bounds `go build` of the manager and the plugin (seconds when cached).
	buildTimeout = 5 * time.Minute
	// readyTimeout bounds the wait for the manager's probes once it runs.
	readyTimeout = 60 * time.Second
	// stopGrace is how long the manager gets after SIGTERM before it is killed (and the run fails).
	stopGrace = 15 * time.Second
	// logTailLines of the manager's log are printed when the run fails.
	logTailLines = 40
)

// suite is the system under test, started once by TestMain.
type suite struct {
	cluster *localcluster.Cluster
	manager *managerproc.Process

	authURL    string // the auth service, plain HTTP on loopback
	pluginDir  string // holds the built kubectl-supportaccess, put on kubectl's PATH
	managerLog string
	kubectlDir string // kubectl's discovery cache, kept out of $HOME
}

// sut is the running suite; nil with -short.
var sut *suite

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // every test skips itself
	}
	os.Exit(runSuite(m))
}

// requireSuite skips the test with -short.
func requireSuite(t *testing.T) {
	t.Helper()
	if sut == nil {
		t.Skip("needs the control plane and the manager; not run with -short")
	}
}

func runSuite(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kubectl-supportaccess-it-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	began := time.Now()
	s, err := start(dir)
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: start: %v\n", err)
	} else {
		fmt.Printf("integration: plugin and manager built, control plane and manager ready in %s\n", time.Since(began).Round(time.Millisecond))
		sut = s
		code = m.Run()
	}
	if err := s.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: stop: %v\n", err)
		code = 1
	}
	if code != 0 {
		if tail, err := managerproc.TailLines(s.managerLog, logTailLines); err == nil && tail != "" {
			fmt.Fprintf(os.Stderr, "integration: last %d lines of the manager's log:\n%s\n", logTailLines, tail)
		}
	}
	return code
}

// start builds the manager and the plugin while the control plane starts, then runs the manager
// and waits for its probes. The suite is never nil, so that the caller stops what did start.
func start(dir string) (*suite, error) {
	s := &suite{
		pluginDir:  filepath.Join(dir, "bin"),
		managerLog: filepath.Join(dir, "manager.log"),
		kubectlDir: filepath.Join(dir, "kubectl-cache"),
	}
	assets, err := testutil.AssetsDir()
	if err != nil {
		return s, fmt.Errorf("these tests need the pinned control plane: %w", err)
	}
	authAddr, err := managerproc.FreeAddress()
	if err != nil {
		return s, err
	}
	probeAddr, err := managerproc.FreeAddress()
	if err != nil {
		return s, err
	}
	s.authURL = "http://" + authAddr

	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	var managerPath string
	managerBuilt, pluginBuilt := make(chan error, 1), make(chan error, 1)
	go func() {
		var err error
		managerPath, err = managerproc.Build(ctx, dir)
		managerBuilt <- err
	}()
	go func() { pluginBuilt <- buildPlugin(ctx, s.pluginDir) }()
	waitBuilds := func() error { return errors.Join(<-managerBuilt, <-pluginBuilt) }

	s.cluster, err = localcluster.Start(ctx, localcluster.Options{
		AssetsDir:            assets,
		StateDir:             filepath.Join(dir, "cluster"),
		TokenWebhookURL:      s.authURL + "/tokenreview",
		TokenWebhookCacheTTL: webhookCacheTTL,
	})
	if err != nil {
		s.cluster = nil // Start stopped whatever it had started.
		cancel()
		_ = waitBuilds()
		return s, fmt.Errorf("start control plane: %w", err)
	}
	if err := waitBuilds(); err != nil {
		return s, err
	}
	s.manager, err = managerproc.Start(managerPath, s.managerLog, []string{
		"--kubeconfig", s.cluster.KubeconfigPath,
		"--auth-bind-address", authAddr,
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", probeAddr,
		"--disable-webhooks",
		"--leader-elect=false",
		"--login-domain", loginDomain,
	})
	if err != nil {
		return s, err
	}
	return s, s.manager.WaitReady(context.Background(), readyTimeout, "http://"+probeAddr+"/readyz", s.authURL+"/healthz")
}

// buildPlugin builds ./cmd/kubectl-supportaccess into dir, as `make install-plugin` does.
func buildPlugin(ctx context.Context, dir string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "kubectl-supportaccess"), "./cmd/kubectl-supportaccess")
	cmd.Dir = testutil.RepoRoot()
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/kubectl-supportaccess: %w\n%s", err, output)
	}
	return nil
}

// stop stops the manager (a graceful shutdown is expected), then the control plane.
func (s *suite) stop() error {
	var errs []error
	if s.manager != nil {
		errs = append(errs, s.manager.Stop(stopGrace))
	}
	if s.cluster != nil {
		if err := s.cluster.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop control plane: %w", err))
		}
	}
	return errors.Join(errs...)
}
