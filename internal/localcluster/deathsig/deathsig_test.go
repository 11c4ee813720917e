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
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestWrap runs a shell through its wrapper (this test binary) and checks that the shell got the
// arguments, runs under its own name and pid, and had its pid recorded. That the kernel kills
// wrapped processes with their parent is tested with the real control plane in package localcluster.
func TestWrap(t *testing.T) {
	dir, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	wrapper, err := dir.Wrap("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(wrapper) != dir.Path() {
		t.Fatalf("wrapper %s is outside %s", wrapper, dir.Path())
	}
	// $$ is the shell's pid, and its cmdline starts with the path it was exec'd as.
	script := `printf '%s %s ' "$$" "$1"; tr '\0' ' ' </proc/$$/cmdline | cut -d' ' -f1`
	out, err := exec.Command(wrapper, "-c", script, "sh", "an argument").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := strings.TrimSpace(string(out))
	pid, err := dir.PID("sh")
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Itoa(pid) + " an argument /bin/sh"; got != want {
		t.Errorf("wrapped shell printed %q, want %q", got, want)
	}

	// A second owner directory starts empty: no pid of the first one's processes.
	if _, err := NewDir(filepath.Dir(dir.Path())); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.PID("sh"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("PID after NewDir = %v, want a not-exist error", err)
	}
}
