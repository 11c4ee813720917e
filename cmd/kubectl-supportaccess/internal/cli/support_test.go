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
	"encoding/json"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/execcred"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/sessioncache"
)

const (
	execInfoInteractive    = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`
	execInfoNotInteractive = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`
)

// execCredential decodes the token command's output.
type execCredential struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Status     struct {
		Token               string    `json:"token"`
		ExpirationTimestamp time.Time `json:"expirationTimestamp"`
	} `json:"status"`
}

func decodeExecCredential(g Gomega, stdout string) execCredential {
	var cred execCredential
	g.ExpectWithOffset(1, json.Unmarshal([]byte(stdout), &cred)).To(Succeed(), stdout)
	g.ExpectWithOffset(1, cred.APIVersion).To(Equal("client.authentication.k8s.io/v1"))
	g.ExpectWithOffset(1, cred.Kind).To(Equal("ExecCredential"))
	return cred
}

// withExecInfo makes the plugin see KUBERNETES_EXEC_INFO as kubectl sets it.
func withExecInfo(env Env, info string) Env {
	env.Getenv = func(name string) string {
		if name == "KUBERNETES_EXEC_INFO" {
			return info
		}
		return ""
	}
	return env
}

func TestLoginTokenLogout(t *testing.T) {
	g := NewWithT(t)
	auth := newFakeAuth(t)
	env := withExecInfo(testEnv(t), execInfoNotInteractive)
	who := []string{"--server", auth.URL, "--email", auth.email}

	// Before any login, token fails and says how to log in.
	r := run(t, env, "", append([]string{"token"}, who...)...)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stdout).To(BeEmpty())
	g.Expect(r.stderr).To(ContainSubstring("support session of " + auth.email + " at " + auth.URL + ": not logged in. Log in again: kubectl supportaccess login --server " + auth.URL + " --email " + auth.email))

	// A wrong password.
	r = run(t, env, "not-it\n", append([]string{"login"}, who...)...)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("login as " + auth.email + " at " + auth.URL + " failed: wrong email or password"))

	// Login with the password on stdin; the email in any case.
	r = run(t, env, auth.password+"\n", "login", "--server", auth.URL+"/", "--email", "Support-A@Support.Invalid")
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring(`Logged in as support-a@support.invalid: Limited access to account "acme" (grant ticket-4711).`))
	g.Expect(r.stdout).To(ContainSubstring("The session ends at 2030-01-02T03:04:05Z, or after 30m without activity."))
	g.Expect(r.stdout).To(ContainSubstring("interactiveMode: IfAvailable"))
	g.Expect(r.stdout).To(ContainSubstring("- name: support-acme"))
	g.Expect(r.stdout).To(ContainSubstring("command: kubectl-supportaccess"))
	g.Expect(r.stdout + r.stderr).NotTo(ContainSubstring(auth.password))
	g.Expect(r.stdout+r.stderr).NotTo(ContainSubstring("sat_"), "the token is never printed by login")
	dir, _ := env.CacheDir()
	info, err := os.Stat(sessioncache.Path(dir, auth.URL, auth.email))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))

	// token prints the stored session's token after checking it.
	checks := auth.sessionChecks()
	r = run(t, env, "", append([]string{"token"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stderr).To(BeEmpty())
	cred := decodeExecCredential(g, r.stdout)
	g.Expect(cred.Status.Token).To(Equal("sat_token-1"))
	g.Expect(cred.Status.ExpirationTimestamp).To(Equal(auth.expiresAt))
	g.Expect(auth.sessionChecks()).To(Equal(checks+1), "the session is checked (and kept alive) each time")

	// The session ends (revoked, idle, ...): not interactive, token fails with the way back.
	auth.End()
	r = run(t, env, "", append([]string{"token"}, who...)...)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stdout).To(BeEmpty())
	g.Expect(r.stderr).To(ContainSubstring("the session has ended (logged out, idle too long, expired, or the grant was revoked). Log in again: kubectl supportaccess login --server " + auth.URL))
	_, err = os.Stat(sessioncache.Path(dir, auth.URL, auth.email))
	g.Expect(os.IsNotExist(err)).To(BeTrue(), "a dead session is removed from the cache")

	// Logout ends a live session and removes it; a second logout has nothing to do.
	r = run(t, env, auth.password+"\n", append([]string{"login"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	r = run(t, env, "", append([]string{"logout"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring("Logged out " + auth.email))
	r = run(t, env, "", append([]string{"token"}, who...)...)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("not logged in"))
	r = run(t, env, "", append([]string{"logout"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring("Not logged in"))
}

// In a terminal (kubectl says interactive), a dead session asks for the password again on stderr,
// reads it without echo, and hands kubectl the new token.
func TestTokenPromptsInATerminal(t *testing.T) {
	g := NewWithT(t)
	auth := newFakeAuth(t)
	env := withExecInfo(testEnv(t), execInfoInteractive)
	terminal, err := os.Open(os.DevNull) // stands for the terminal: only its descriptor is used
	g.Expect(err).NotTo(HaveOccurred())
	defer terminal.Close()
	env.In = terminal
	env.IsTerminal = func(fd int) bool { return fd == int(terminal.Fd()) }
	prompted := 0
	env.ReadPassword = func(fd int) ([]byte, error) {
		g.Expect(fd).To(Equal(int(terminal.Fd())))
		prompted++
		return []byte(auth.password), nil
	}
	token := append([]string{"token"}, "--server", auth.URL, "--email", auth.email)

	r := run(t, env, "", token...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(prompted).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("Support session of " + auth.email + " at " + auth.URL + ": not logged in."))
	g.Expect(r.stderr).To(ContainSubstring("Password for " + auth.email + ": "))
	g.Expect(r.stderr).NotTo(ContainSubstring(auth.password))
	g.Expect(decodeExecCredential(g, r.stdout).Status.Token).To(Equal("sat_token-1"))

	// Still valid: no prompt.
	r = run(t, env, "", token...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(prompted).To(Equal(1))
	g.Expect(decodeExecCredential(g, r.stdout).Status.Token).To(Equal("sat_token-1"))

	// Expired by the clock: no need to ask the server, ask the person.
	checks := auth.sessionChecks()
	env.Now = func() time.Time { return auth.expiresAt }
	r = run(t, env, "", token...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(prompted).To(Equal(2))
	g.Expect(r.stderr).To(ContainSubstring("the session has expired"))
	g.Expect(auth.sessionChecks()).To(Equal(checks))
	g.Expect(decodeExecCredential(g, r.stdout).Status.Token).To(Equal("sat_token-2"))
}

// A terminal without KUBERNETES_EXEC_INFO (run by hand) may prompt; kubectl saying "not
// interactive" (e.g. `kubectl apply -f -` needs stdin) may not, terminal or not.
func TestTokenPromptsOnlyWhenAllowed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		info      string
		terminals bool
		want      bool
	}{
		{"by hand in a terminal", "", true, true},
		{"by hand in a pipe", "", false, false},
		{"kubectl interactive", execInfoInteractive, true, true},
		{"kubectl not interactive", execInfoNotInteractive, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			env := withExecInfo(testEnv(t), tc.info)
			env.In, env.ErrOut = os.Stdin, os.Stderr
			env.IsTerminal = func(int) bool { return tc.terminals }
			info, err := execcred.ParseInfo(tc.info)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(canPrompt(env, info)).To(Equal(tc.want))
		})
	}
}
