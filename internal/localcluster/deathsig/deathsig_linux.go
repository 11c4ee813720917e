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

package deathsig

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Wrap returns the path to start instead of binary (an absolute or relative path) so that the
// started process gets SIGKILL when this process dies. Its cmdline still starts with binary, so
// tools like pgrep find it under its own name.
func (d *Dir) Wrap(binary string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find own executable: %w", err)
	}
	binary, err = filepath.Abs(binary)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", binary, err)
	}
	wrapper := filepath.Join(d.path, filepath.Base(binary))
	links := map[string]string{wrapper: self, wrapper + realSuffix: binary}
	for link, target := range links {
		if err := os.Remove(link); err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("replace wrapper link %s: %w", link, err)
		}
		if err := os.Symlink(target, link); err != nil {
			return "", fmt.Errorf("create wrapper link %s: %w", link, err)
		}
	}
	return wrapper, nil
}

// init turns this program into the wrapper when it was started as one, before main. It runs early:
// this package imports only the standard library, and Go initialises ready packages in import-path
// order, so before the importing program's k8s.io and sigs.k8s.io packages.
func init() {
	dir, name := filepath.Split(os.Args[0])
	dir = filepath.Clean(dir)
	if filepath.Base(dir) != dirName {
		return
	}
	target, err := os.Readlink(filepath.Join(dir, name+realSuffix))
	if err != nil {
		return // Not one of our wrappers after all: run the program as usual.
	}
	// The parent-death signal belongs to the calling thread and survives execve only from that
	// thread, so prctl and exec must run on the same one.
	runtime.LockOSThread()
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "deathsig wrapper for %s: %v\n", target, err)
		os.Exit(127)
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); errno != 0 {
		fail(fmt.Errorf("prctl(PR_SET_PDEATHSIG): %w", errno))
	}
	// The owner may have died between fork and prctl, in which case no signal will ever come.
	if data, err := os.ReadFile(filepath.Join(dir, parentFile)); err == nil {
		if owner, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && os.Getppid() != owner {
			fail(fmt.Errorf("owner %d is gone (parent is now %d)", owner, os.Getppid()))
		}
	}
	// Write then rename, so a reader never sees a half-written pid.
	pidFile := filepath.Join(dir, name+pidSuffix)
	tmp := fmt.Sprintf("%s.%d", pidFile, os.Getpid())
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		fail(fmt.Errorf("record pid: %w", err))
	}
	if err := os.Rename(tmp, pidFile); err != nil {
		fail(fmt.Errorf("record pid: %w", err))
	}
	argv := append([]string{target}, os.Args[1:]...)
	fail(syscall.Exec(target, argv, os.Environ()))
}
