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

// Package deathsig starts binaries through a re-executing wrapper so that the kernel kills them when
// the process that started them dies.
//
// envtest starts etcd and kube-apiserver itself with an exec.Cmd we cannot configure: it puts them
// in their own process group (so Ctrl-C does not reach them) but sets no parent-death signal, so a
// crash, a SIGKILL or a `go test` timeout of the process that started them leaves them running.
// Handing envtest the path of a wrapper instead of the binary fixes that: the wrapper is a symlink
// to this very executable, whose init (in any program that imports this package) recognises it,
// asks the kernel for SIGKILL on parent death, records its pid and execs the real binary, which keeps
// both the pid and the parent-death signal.
//
// A parent-death signal exists on Linux only; elsewhere Wrap returns the binary unchanged.
package deathsig

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// dirName marks a wrapper directory: a program whose os.Args[0] lies in a directory of this name is
// a wrapper invocation. Deliberately unusual, as the check runs in every program importing us.
const dirName = ".deathsig-wrappers"

const (
	realSuffix = ".real"      // <name>.real: symlink to the binary the wrapper runs.
	pidSuffix  = ".pid"       // <name>.pid: pid of the last process started through the wrapper.
	parentFile = "parent.pid" // pid of the process that owns the wrappers, i.e. starts them.
)

// Dir holds the wrappers of one owner process.
type Dir struct {
	path string
}

// NewDir creates (or empties) the wrapper directory under parent for binaries started by this
// process.
func NewDir(parent string) (*Dir, error) {
	path, err := filepath.Abs(filepath.Join(parent, dirName))
	if err != nil {
		return nil, fmt.Errorf("resolve wrapper directory: %w", err)
	}
	// Left-overs of an earlier owner would name the wrong binaries and pids.
	if err := os.RemoveAll(path); err != nil {
		return nil, fmt.Errorf("remove old wrapper directory: %w", err)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("create wrapper directory: %w", err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(path, parentFile), pid, 0o644); err != nil {
		return nil, fmt.Errorf("record owner pid: %w", err)
	}
	return &Dir{path: path}, nil
}

// Path is the wrapper directory.
func (d *Dir) Path() string { return d.path }

// PID returns the pid of the process last started through the wrapper of the binary with this base
// name, or an error when none has been started (or on systems without wrappers).
func (d *Dir) PID(name string) (int, error) {
	data, err := os.ReadFile(filepath.Join(d.path, name+pidSuffix))
	if err != nil {
		return 0, fmt.Errorf("read pid of %s: %w", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, fmt.Errorf("parse pid of %s: %w", name, err)
	}
	return pid, nil
}
