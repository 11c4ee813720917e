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
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// result is what one in-process run of the plugin printed, and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// testEnv is an Env with no terminal, an empty stdin, a private cache directory, no
// KUBERNETES_EXEC_INFO and the real clock; tests change what they need.
func testEnv(t *testing.T) Env {
	t.Helper()
	dir := t.TempDir()
	return Env{
		IOStreams:    genericiooptions.IOStreams{In: strings.NewReader("")},
		CacheDir:     func() (string, error) { return dir, nil },
		Getenv:       func(string) string { return "" },
		IsTerminal:   func(int) bool { return false },
		ReadPassword: func(int) ([]byte, error) { t.Fatal("no terminal in this test"); return nil, nil },
		Now:          time.Now,
	}
}

// run runs the plugin in-process with args, stdin as its input.
func run(t *testing.T, env Env, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env.Out, env.ErrOut = &stdout, &stderr
	if stdin != "" {
		env.In = strings.NewReader(stdin)
	}
	if env.In == nil {
		env.In = io.LimitReader(nil, 0)
	}
	code := Run(t.Context(), env, args)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}
