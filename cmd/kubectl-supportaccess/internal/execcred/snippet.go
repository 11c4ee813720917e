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

package execcred

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// Command is the plugin's executable name, which kubectl finds on PATH.
const Command = "kubectl-supportaccess"

// Exec is where `token` finds its session: the same flags `login` was given.
type Exec struct {
	Server                string
	Email                 string
	CertificateAuthority  string
	InsecureSkipTLSVerify bool
}

// Args are the exec plugin's arguments: `token` and the flags that name the session.
func (e Exec) Args() []string {
	args := []string{"token", "--server", e.Server, "--email", e.Email}
	if e.CertificateAuthority != "" {
		args = append(args, "--certificate-authority", e.CertificateAuthority)
	}
	if e.InsecureSkipTLSVerify {
		args = append(args, "--insecure-skip-tls-verify")
	}
	return args
}

// snippetUser mirrors the part of a kubeconfig the snippet fills: users[].user.exec.
type snippetUser struct {
	Name string `json:"name"`
	User struct {
		Exec struct {
			APIVersion      string   `json:"apiVersion"`
			Command         string   `json:"command"`
			Args            []string `json:"args"`
			InteractiveMode string   `json:"interactiveMode"`
		} `json:"exec"`
	} `json:"user"`
}

// KubeconfigUser returns the kubeconfig `users:` entry named user that runs `token` for e.
func KubeconfigUser(user string, e Exec) (string, error) {
	var u snippetUser
	u.Name = user
	u.User.Exec.APIVersion = APIVersion
	u.User.Exec.Command = Command
	u.User.Exec.Args = e.Args()
	u.User.Exec.InteractiveMode = "IfAvailable"
	data, err := yaml.Marshal(map[string][]snippetUser{"users": {u}})
	if err != nil {
		return "", fmt.Errorf("encode kubeconfig snippet: %w", err)
	}
	return string(data), nil
}

// SetCredentialsCommand is the `kubectl config set-credentials` line that writes the same user.
func SetCredentialsCommand(user string, e Exec) string {
	parts := []string{"kubectl config set-credentials " + user,
		"--exec-api-version=" + APIVersion,
		"--exec-command=" + Command,
		"--exec-interactive-mode=IfAvailable"}
	for _, a := range e.Args() {
		parts = append(parts, shellQuote("--exec-arg="+a))
	}
	return strings.Join(parts, " \\\n    ")
}

// shellQuote quotes s for a POSIX shell when it holds anything but plainly safe characters.
func shellQuote(s string) string {
	safe := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r)
	}
	if strings.IndexFunc(s, func(r rune) bool { return !safe(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
