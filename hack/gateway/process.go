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

package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Timings of a gateway's life. Generous: a loaded CI machine is slow, and each is only waited out
// when something is wrong.
const (
	readyTimeout = 30 * time.Second
	stopGrace    = 10 * time.Second
)

// Process is a running gateway.
type Process struct {
	name       string
	cmd        *exec.Cmd
	urls       []string
	logs       []string
	stopSignal syscall.Signal

	done    chan struct{} // closed once the process has exited and been reaped
	waitErr error         // Wait's result, set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// launch is how to run one gateway.
type launch struct {
	name   string
	binary string
	args   []string
	env    []string
	// log receives the gateway's stdout and stderr; logs lists every log file, for Logs.
	log  string
	logs []string
	// stopSignal asks for a graceful stop: SIGTERM for Caddy, SIGQUIT for nginx (for which
	// SIGTERM is the fast stop).
	stopSignal syscall.Signal
}

// start runs l for the validated config c and waits until every route accepts connections. The
// process is killed when ctx ends; on any error it is stopped before start returns.
func start(ctx context.Context, l launch, c Config) (*Process, error) {
	if err := checkPortsFree(c); err != nil {
		return nil, err
	}
	out, err := os.OpenFile(l.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening %s's log: %w", l.name, err)
	}
	defer out.Close() // the child has its own descriptor

	cmd := exec.CommandContext(ctx, l.binary, l.args...)
	cmd.Dir = c.Dir
	cmd.Env = l.env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = procAttr()
	// The whole group: nothing the gateway started may outlive it.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (%s): %w", l.name, l.binary, err)
	}
	p := &Process{
		name:       l.name,
		cmd:        cmd,
		logs:       l.logs,
		stopSignal: l.stopSignal,
		done:       make(chan struct{}),
	}
	for _, r := range c.Routes {
		p.urls = append(p.urls, "http://localhost:"+strconv.Itoa(r.port()))
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()

	if err := p.waitReady(ctx, c); err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("%w\n%s", err, p.Logs())
	}
	return p, nil
}

// waitReady polls until every route's port accepts TCP connections, the process exits, or
// readyTimeout passes.
func (p *Process) waitReady(ctx context.Context, c Config) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var exited bool
	err := poll(ctx, func() bool {
		select {
		case <-p.done:
			exited = true
			return true
		default:
		}
		for _, r := range c.Routes {
			if !accepting(net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port()))) {
				return false
			}
		}
		return true
	})
	switch {
	case exited && ctx.Err() != nil:
		return fmt.Errorf("%s stopped while starting: %w", p.name, ctx.Err())
	case exited:
		return fmt.Errorf("%s exited while starting: %v", p.name, p.waitErr)
	case err != nil:
		return fmt.Errorf("%s did not accept connections on every route within %s: %w", p.name, readyTimeout, err)
	}
	return nil
}

// URL returns the base URL of route i, http://localhost:<port>: localhost, because that is a
// secure context for browsers, where the auth service's Secure __Host- cookie works over HTTP.
func (p *Process) URL(i int) string {
	return p.urls[i]
}

// Stop stops the gateway gracefully, kills its process group when it has not stopped within a
// grace period, and waits for it. It may be called more than once; the first result is kept. A
// gateway that exits on its stop signal has stopped well, whatever its exit status says.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() { p.stopErr = p.stop() })
	return p.stopErr
}

func (p *Process) stop() error {
	select {
	case <-p.done:
		if p.waitErr != nil && !stoppedBySignal(p.waitErr) {
			return fmt.Errorf("%s had already exited: %w", p.name, p.waitErr)
		}
		return nil
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, p.stopSignal)
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
		return fmt.Errorf("%s did not stop within %s and was killed", p.name, stopGrace)
	case <-time.After(stopGrace):
		return fmt.Errorf("%s (pid %d) survived SIGKILL for %s", p.name, p.cmd.Process.Pid, stopGrace)
	}
}

// stoppedBySignal reports whether a Wait error only says that a signal ended the process: how the
// context's cancellation and a kill end it.
func stoppedBySignal(err error) bool {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return false
	}
	status, ok := exit.Sys().(syscall.WaitStatus)
	return ok && status.Signaled()
}

// Logs returns the gateway's log files, each under its name, for a failing test or start to show.
func (p *Process) Logs() string {
	var b strings.Builder
	for _, name := range p.logs {
		data, err := os.ReadFile(name)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			fmt.Fprintf(&b, "--- %s: %v\n", filepath.Base(name), err)
		default:
			fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(name), strings.TrimRight(string(data), "\n"))
		}
	}
	return b.String()
}
