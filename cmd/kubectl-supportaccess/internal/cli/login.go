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
	"time"

	"github.com/spf13/cobra"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/execcred"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/sessioncache"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/validate"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

func newLoginCommand(env Env) *cobra.Command {
	return supportCommand(&cobra.Command{
		Use:   "login --server URL --email EMAIL [--certificate-authority FILE]",
		Short: "Log in to the auth service with a grant's credentials, and show how to use kubectl with the session",
		Long: `Log in to the Support Access auth service with the login email and password the account owner gave
you. The password is read from the terminal without echo, or from stdin when it is not a terminal.
The session is stored in your cache directory, readable by you only, and kubectl uses it through the
"token" exec credential plugin: add the printed user to your kubeconfig.`,
		Example: `  kubectl supportaccess login --server https://support-auth.example.com --email support-abc123@support.invalid

  # Non-interactively
  printf '%s\n' "$PASSWORD" | kubectl supportaccess login --server https://support-auth.example.com --email "$EMAIL"`,
	}, func(ctx context.Context, t target) error { return runLogin(ctx, env, t) })
}

func runLogin(ctx context.Context, env Env, t target) error {
	if validate.PlainHTTPOverNetwork(t.server) {
		fmt.Fprintf(env.ErrOut, "Warning: %s is plain http: the password and the session token cross the network unencrypted.\n", t.server)
	}
	password, err := readPassword(env, fmt.Sprintf("Password for %s: ", t.email))
	if err != nil {
		return err
	}
	s, path, err := loginAndStore(ctx, env, t, password)
	if err != nil {
		return err
	}
	return printLoggedIn(env, t, s, path)
}

// printLoggedIn says who the session is, until when, and how to wire kubectl to it.
func printLoggedIn(env Env, t target, s *sessioncache.Session, path string) error {
	user := "support-" + s.Account
	snippet, err := execcred.KubeconfigUser(user, t.exec())
	if err != nil {
		return err
	}
	idle := policy.FormatDuration(time.Duration(s.IdleTimeoutSeconds) * time.Second)
	out := env.Out
	fmt.Fprintf(out, "Logged in as %s: %s access to account %q (grant %s).\n", s.Email, s.AccessLevel, s.Account, s.Grant)
	fmt.Fprintf(out, "The session ends at %s, or after %s without activity.\n", s.ExpiresAt.UTC().Format(time.RFC3339), idle)
	fmt.Fprintf(out, "Session stored in %s (readable by you only).\n\n", path)
	fmt.Fprintf(out, "To use kubectl as this support user, add this user to your kubeconfig:\n\n%s\n", snippet)
	fmt.Fprintf(out, "or let kubectl write it, and make a context for it (CLUSTER is your kubeconfig's name for the cluster):\n\n")
	fmt.Fprintf(out, "  %s\n", execcred.SetCredentialsCommand(user, t.exec()))
	fmt.Fprintf(out, "  kubectl config set-context %s --cluster=CLUSTER --user=%s --namespace=%s\n", user, user, s.Account)
	fmt.Fprintf(out, "  kubectl --context %s auth whoami\n\n", user)
	fmt.Fprintf(out, "When the session ends, kubectl asks for the password again (in a terminal). Log out with:\n  %s logout --server %s --email %s\n", displayName, t.server, t.email)
	return nil
}
