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

// Package managerproc builds and runs the real manager binary for end-to-end, reliability and
// benchmark runs: the binary users run, from the working tree under test, as a child process that
// dies with its parent.
package managerproc

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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// Build builds ./cmd into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
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

// Process is a child process in a process group of its own, which dies with the test binary.
type Process struct {
	Name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{} // closed once it has exited and been reaped
	err  error         // Wait's result, set before done is closed
}

// Start runs the binary at path with args, its output going to logPath (appended, so that a
// restarted manager keeps one log).
func Start(path, logPath string, args []string) (*Process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open manager log: %w", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so that a signal reaches everything it started; SIGKILL from the
	// kernel should the test binary die without stopping it (a panic, a timeout of go test).
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start manager: %w", err)
	}
	p := &Process{Name: "manager", cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// PID returns the process's ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Memory returns the process's resident set (VmRSS) and its peak (VmHWM), in bytes, from
// /proc/<pid>/status: what the kernel charges it, and what an OOM kill looks at, rather than what
// the Go runtime says it uses. Linux only.
func (p *Process) Memory() (rss, hwm int64, err error) {
	return readMemory(p.PID())
}

func readMemory(pid int) (rss, hwm int64, err error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("read %s: %w", path, err)
	}
	found := map[string]bool{}
	for line := range strings.Lines(string(data)) {
		field, value, ok := strings.Cut(line, ":")
		if !ok || (field != "VmRSS" && field != "VmHWM") {
			continue
		}
		// "  123456 kB"
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s of %s: %w", field, path, err)
		}
		found[field] = true
		if field == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	// A zombie has neither; so has a kernel thread.
	if !found["VmRSS"] || !found["VmHWM"] {
		return 0, 0, fmt.Errorf("no VmRSS and VmHWM in %s", path)
	}
	return rss, hwm, nil
}

// Kill sends SIGKILL to the process group, as a crash would, and waits until it is reaped.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM to the process group and waits; a process that has not exited within grace
// is killed and reported, as is a non-zero exit: a graceful shutdown is part of what is tested.
// Afterwards no process of the group may be left.
func (p *Process) Stop(grace time.Duration) error {
	if done, err := p.Exited(); done {
		return fmt.Errorf("%s had already exited: %v", p.Name, err)
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGTERM)
	var errs []error
	select {
	case <-p.done:
		if p.err != nil {
			errs = append(errs, fmt.Errorf("%s exited with %v after SIGTERM", p.Name, p.err))
		}
	case <-time.After(grace):
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		<-p.done
		errs = append(errs, fmt.Errorf("%s (pid %d) did not stop within %s of SIGTERM and was killed", p.Name, p.PID(), grace))
	}
	// ESRCH: the group is empty. Anything else means a descendant outlived the manager.
	if err := syscall.Kill(-p.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		errs = append(errs, fmt.Errorf("a process of %s's group (pgid %d) outlived it", p.Name, p.PID()))
	}
	return errors.Join(errs...)
}

// WaitReady polls urls until each answers 200, failing at once if the process exits.
func (p *Process) WaitReady(ctx context.Context, timeout time.Duration, urls ...string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
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
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		if done, err := p.Exited(); done {
			return fmt.Errorf("%s exited while starting: %v", p.Name, err)
		}
		all := true
		for _, u := range urls {
			if !ready(u) {
				all = false
				break
			}
		}
		if all {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready within %s: %s did not all answer 200", p.Name, timeout, strings.Join(urls, ", "))
		case <-ticker.C:
		}
	}
}

// FreeAddress returns a loopback address with a port that was free a moment ago. Another process
// could take it before the manager binds it; on loopback, in a test, that is rare enough.
func FreeAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// TailLines returns the last n lines of the file at path.
func TailLines(path string, n int) (string, error) {
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
