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
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxPasswordBytes bounds what is read as a password; issued ones are 26 characters.
const maxPasswordBytes = 1024

// readPassword reads the password from the terminal without echo, prompting on stderr; when stdin
// is not a terminal, it reads stdin's first line, so that scripts can pipe it in.
func readPassword(env Env, prompt string) (string, error) {
	if fd, ok := env.terminalFD(env.In); ok {
		fmt.Fprint(env.ErrOut, prompt)
		b, err := env.ReadPassword(fd)
		fmt.Fprintln(env.ErrOut)
		if err != nil {
			return "", fmt.Errorf("read password from the terminal: %w", err)
		}
		if len(b) == 0 {
			return "", errors.New("no password entered")
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(io.LimitReader(env.In, maxPasswordBytes)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("no password on stdin: run this in a terminal to be prompted, or pipe the password in")
	}
	return password, nil
}
