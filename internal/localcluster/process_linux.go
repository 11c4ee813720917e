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

import "syscall"

// ChildProcAttr returns the attributes for a process that must not outlive this one: its own
// process group, so a signal to the group reaches everything it started and the terminal's Ctrl-C
// leaves its shutdown to us, and SIGKILL from the kernel when this process dies, so a crash or a
// killed test binary never leaves it behind. Give each exec.Cmd its own value.
func ChildProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
