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
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
)

// writeConfig creates the state directory and writes a rendered configuration into it.
func writeConfig(dir, path, content string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the gateway's state directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("writing the gateway's configuration: %w", err)
	}
	return nil
}

// checkBinary fails clearly when a gateway binary is missing, saying how to get it.
func checkBinary(name, binary, howToGet string) error {
	info, err := os.Stat(binary)
	if err != nil {
		return fmt.Errorf("%s binary %s: %w (%s)", name, binary, err, howToGet)
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return fmt.Errorf("%s binary %s is not an executable file (%s)", name, binary, howToGet)
	}
	return nil
}

// runCheck runs a gateway's own configuration check and returns its output with the error, since
// that output is the only place that says what is wrong.
func runCheck(ctx context.Context, what, dir string, env []string, binary string, args ...string) error {
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", what, err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}
