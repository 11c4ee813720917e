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

package cli

import (
	"os"
	"time"

	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/sessioncache"
)

// Env is everything a command touches outside itself: streams, environment, terminal, clock and
// the session cache's place. Tests run the commands in-process with an Env of their own.
type Env struct {
	genericiooptions.IOStreams
	// CacheDir returns the directory of the session cache.
	CacheDir func() (string, error)
	// Getenv reads an environment variable (KUBERNETES_EXEC_INFO).
	Getenv func(string) string
	// IsTerminal reports whether the file descriptor is a terminal.
	IsTerminal func(fd int) bool
	// ReadPassword reads a line from the terminal fd without echoing it.
	ReadPassword func(fd int) ([]byte, error)
	// Now is the clock.
	Now func() time.Time
	// OpenBrowser opens url in the user's browser (console); nil never opens one.
	OpenBrowser func(url string) error
}

// DefaultEnv is the real process's: standard streams, os.UserCacheDir()/supportaccess.
func DefaultEnv() Env {
	return Env{
		IOStreams:    genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr},
		CacheDir:     sessioncache.DefaultDir,
		Getenv:       os.Getenv,
		IsTerminal:   term.IsTerminal,
		ReadPassword: term.ReadPassword,
		Now:          time.Now,
		OpenBrowser:  openBrowser,
	}
}

// terminalFD returns the file descriptor behind stream when it is a terminal.
func (e Env) terminalFD(stream any) (int, bool) {
	f, ok := stream.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, e.IsTerminal(fd)
}
