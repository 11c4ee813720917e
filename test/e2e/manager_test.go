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
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// probeInterval is how often the manager's probes are polled while it starts.
const probeInterval = 100 * time.Millisecond

// buildManager builds ./cmd into dir, so that the suite runs the binary users run, from the
// working tree under test rather than a bin/manager that may be stale.
func buildManager(ctx context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	path := filepath.Join(dir, "manager")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "./cmd")
	cmd.Dir = testutil.RepoRoot()
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd: %w\n%s", err, out)
	}
	return path, nil
}

// process is a child process in a process group of its own, which dies with the test binary.
type process struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{} // closed once it has exited and been reaped
	err  error         // Wait's result, set before done is closed
}

// startManager runs the manager binary with args, its output going to logPath.
func startManager(path, logPath string, args []string) (*process, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create manager log: %w", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so that stop's signal reaches everything it started; SIGKILL from the
	// kernel should the test binary die without stopping it (a panic, a timeout of go test).
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start manager: %w", err)
	}
	p := &process{name: "manager", cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// stop sends SIGTERM to the process group and waits; a process that has not exited within grace
// is killed and reported, as is a non-zero exit: a graceful shutdown is part of what is tested.
// Afterwards no process of the group may be left.
func (p *process) stop(grace time.Duration) error {
	if done, err := p.exited(); done {
		return fmt.Errorf("%s had already exited: %v", p.name, err)
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	var errs []error
	select {
	case <-p.done:
		if p.err != nil {
			errs = append(errs, fmt.Errorf("%s exited with %v after SIGTERM", p.name, p.err))
		}
	case <-time.After(grace):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
		errs = append(errs, fmt.Errorf("%s (pid %d) did not stop within %s of SIGTERM and was killed", p.name, p.pid(), grace))
	}
	// ESRCH: the group is empty. Anything else means a descendant outlived the manager.
	if err := syscall.Kill(-p.pid(), 0); !errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		errs = append(errs, fmt.Errorf("a process of %s's group (pgid %d) outlived it", p.name, p.pid()))
	}
	return errors.Join(errs...)
}

// waitManagerReady polls the manager's /readyz (its caches and runnables) and the auth service's
// /healthz (which only answers once the auth service's caches have synced and it listens) until
// both answer 200, failing at once if the manager exits.
func (s *suite) waitManagerReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	ready := func(url string) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	ticker := time.NewTicker(probeInterval)
	defer ticker.Stop()
	for {
		if done, err := s.manager.exited(); done {
			return fmt.Errorf("manager exited while starting: %v (see its log below)", err)
		}
		if ready(s.probeURL+"/readyz") && ready(s.authURL+"/healthz") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("manager not ready within %s: %s/readyz and %s/healthz did not both answer 200", startTimeout, s.probeURL, s.authURL)
		case <-ticker.C:
		}
	}
}

// freeAddress returns a loopback address with a port that was free a moment ago. Another process
// could take it before the manager binds it; on loopback, in a test, that is rare enough.
func freeAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tailLines returns the last n lines of the file at path.
func tailLines(path string, n int) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var b strings.Builder
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.String(), nil
}
