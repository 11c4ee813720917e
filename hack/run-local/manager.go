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
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

// managerStopGrace is how long the manager gets to shut down (release its lease, finish its
// reconciles) after SIGTERM before it is killed.
const managerStopGrace = 10 * time.Second

// managerProcess is the manager running in the foreground.
type managerProcess struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it has exited and been reaped
	err  error         // Wait's result, set before done is closed
}

// startManager starts the manager with our stdout and stderr. It gets a process group of its own,
// so the terminal's Ctrl-C reaches only us and the manager is stopped in order (before the control
// plane it talks to), and dies with us should we crash.
func startManager(path string, args []string) (*managerProcess, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start manager: %w", err)
	}
	m := &managerProcess{cmd: cmd, done: make(chan struct{})}
	go func() {
		m.err = cmd.Wait()
		close(m.done)
	}()
	return m, nil
}

func (m *managerProcess) pid() int { return m.cmd.Process.Pid }

// stop sends SIGTERM to the manager's process group and SIGKILL after grace or when force closes.
func (m *managerProcess) stop(grace time.Duration, force <-chan struct{}) error {
	_ = syscall.Kill(-m.pid(), syscall.SIGTERM)
	select {
	case <-m.done:
		return nil
	case <-time.After(grace):
	case <-force:
	}
	_ = syscall.Kill(-m.pid(), syscall.SIGKILL)
	<-m.done
	return fmt.Errorf("manager (pid %d) killed: it had not stopped after SIGTERM", m.pid())
}

// exitCode is the manager's exit code, after done is closed; 128+n when signal n killed it, as
// shells report it.
func (m *managerProcess) exitCode() int {
	var exitErr *exec.ExitError
	if !errors.As(m.err, &exitErr) {
		if m.err != nil {
			return 1
		}
		return 0
	}
	if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return 128 + int(status.Signal())
	}
	return exitErr.ExitCode()
}
