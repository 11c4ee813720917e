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

package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// pollInterval is how often readiness and exit are checked: short, since each check is cheap and
// every interval is added to the start-up time.
const pollInterval = 50 * time.Millisecond

// child is a process started by us (not by envtest), in a process group of its own.
type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // Wait's result, set before done is closed
}

// startChild starts path with args; its stdout and stderr go to out (nil discards them).
func startChild(name, path string, args []string, out io.Writer) (*child, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = ChildProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has ended, with its exit error.
func (c *child) exited() (bool, error) {
	select {
	case <-c.done:
		return true, c.err
	default:
		return false, nil
	}
}

// stop asks the process group to terminate, and kills it when it has not within grace.
func (c *child) stop(grace time.Duration) error {
	if done, _ := c.exited(); done {
		return nil
	}
	// The whole group, so that nothing the process started outlives it.
	_ = syscall.Kill(-c.pid(), syscall.SIGTERM)
	select {
	case <-c.done:
		return nil
	case <-time.After(grace):
	}
	_ = syscall.Kill(-c.pid(), syscall.SIGKILL)
	select {
	case <-c.done:
		return fmt.Errorf("%s did not stop within %s and was killed", c.name, grace)
	case <-time.After(grace):
		return fmt.Errorf("%s (pid %d) survived SIGKILL for %s", c.name, c.pid(), grace)
	}
}

// alive reports whether a process with this pid exists (a zombie counts until it is reaped).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ensureGone waits until pid has disappeared, killing its process group if it has not within grace.
// envtest stops etcd and kube-apiserver with SIGTERM and gives up after its timeout; this is the
// check that nothing is left behind whatever happened there.
func ensureGone(name string, pid int, grace time.Duration) error {
	if waitGone(pid, grace) {
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if waitGone(pid, grace) {
		return fmt.Errorf("%s (pid %d) did not stop within %s and was killed", name, pid, grace)
	}
	return fmt.Errorf("%s (pid %d) survived SIGKILL for %s", name, pid, grace)
}

// waitGone polls until pid no longer exists or timeout passes, and reports whether it is gone.
func waitGone(pid int, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return poll(ctx, func() bool { return !alive(pid) }) == nil
}

// poll calls cond every pollInterval until it returns true or ctx ends.
func poll(ctx context.Context, cond func() bool) error {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}
