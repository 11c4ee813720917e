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
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/authclient"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/execcred"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/sessioncache"
)

func newTokenCommand(env Env) *cobra.Command {
	return supportCommand(&cobra.Command{
		Use:   "token --server URL --email EMAIL",
		Short: "Exec credential plugin for kubectl: print the session token as an ExecCredential",
		Long: `Print the stored session's token as a client.authentication.k8s.io/v1 ExecCredential, for kubectl's
exec credential plugin (see "login" for the kubeconfig). The session is checked with the auth service
first, which counts as activity. When it has ended, the password is asked for again if kubectl runs
in a terminal; otherwise this fails and says how to log in again.`,
		Example: `  kubectl supportaccess token --server https://support-auth.example.com --email support-abc123@support.invalid`,
	}, func(ctx context.Context, t target) error { return runToken(ctx, env, t) })
}

func runToken(ctx context.Context, env Env, t target) error {
	info, err := execcred.ParseInfo(env.Getenv(execcred.InfoEnv))
	if err != nil {
		return err
	}
	dir, err := env.CacheDir()
	if err != nil {
		return err
	}
	cached, err := sessioncache.Load(dir, t.server, t.email)
	if err != nil {
		return err
	}
	t = t.withCachedTLS(cached)

	var ended string
	switch {
	case cached == nil:
		ended = "not logged in"
	case cached.Expired(env.Now()):
		ended = "the session has expired"
	default:
		client, err := t.client()
		if err != nil {
			return err
		}
		s, err := client.Session(ctx, cached.Token)
		if err == nil {
			return execcred.Write(env.Out, cached.Token, s.ExpiresAt, info.Interactive)
		}
		if !authclient.IsUnauthorized(err) {
			return err
		}
		ended = "the session has ended (logged out, idle too long, expired, or the grant was revoked)"
	}
	if cached != nil {
		if err := sessioncache.Delete(dir, t.server, t.email); err != nil {
			return err
		}
	}
	if !canPrompt(env, info) {
		return fmt.Errorf("support session of %s at %s: %s. Log in again: %s", t.email, t.server, ended, t.loginCommand())
	}
	fmt.Fprintf(env.ErrOut, "Support session of %s at %s: %s.\n", t.email, t.server, ended)
	password, err := readPassword(env, fmt.Sprintf("Password for %s: ", t.email))
	if err != nil {
		return err
	}
	s, _, err := loginAndStore(ctx, env, t, password)
	if err != nil {
		return err
	}
	return execcred.Write(env.Out, s.Token, s.ExpiresAt, info.Interactive)
}

// canPrompt reports whether a person can be asked for the password: kubectl says so in
// KUBERNETES_EXEC_INFO (interactiveMode IfAvailable and a terminal), or, run by hand, stdin and
// stderr are terminals. Either way the password is read from a terminal, never from a pipe.
func canPrompt(env Env, info execcred.Info) bool {
	_, stdinTerminal := env.terminalFD(env.In)
	if info.Present {
		return info.Interactive && stdinTerminal
	}
	_, stderrTerminal := env.terminalFD(env.ErrOut)
	return stdinTerminal && stderrTerminal
}
