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

// Package cli holds the plugin's commands: grant, list, credentials, revoke, renew and policy for
// account owners (through the cluster's API, with kubectl's usual kubeconfig flags), and login,
// token and logout for support staff (through the operator's auth service).
package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// displayName is how kubectl users call the plugin.
const displayName = "kubectl supportaccess"

// Command groups in the help output.
const (
	groupOwner   = "owner"
	groupSupport = "support"
)

// NewRootCommand returns the plugin's command tree, running in env.
func NewRootCommand(env Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-supportaccess",
		Short: "Give the vendor's support team temporary, revocable access to an account, and log in with it",
		Long: `Give the vendor's support team temporary, revocable login access to an account (a namespace),
and, for support staff, log in with the issued credentials and use kubectl with them.

Account owners: grant, list, credentials, revoke, renew, policy, console (they use your kubeconfig).
Support staff:  login, then kubectl with the "token" exec credential plugin; logout.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: displayName},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(env.In)
	root.SetOut(env.Out)
	root.SetErr(env.ErrOut)
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(c, "%v", err)
	})
	root.AddGroup(
		&cobra.Group{ID: groupOwner, Title: "Account owners (platform team):"},
		&cobra.Group{ID: groupSupport, Title: "Support staff:"},
	)
	for _, c := range []*cobra.Command{
		newGrantCommand(env), newListCommand(env), newCredentialsCommand(env),
		newRevokeCommand(env), newRenewCommand(env), newPolicyCommand(env), newConsoleCommand(env),
	} {
		c.GroupID = groupOwner
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newLoginCommand(env), newTokenCommand(env), newLogoutCommand(env)} {
		c.GroupID = groupSupport
		root.AddCommand(c)
	}
	return root
}

// Run runs the plugin with args and returns its exit status, printing an error the way kubectl
// does ("Error: ..." on stderr).
func Run(ctx context.Context, env Env, args []string) int {
	root := NewRootCommand(env)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintf(env.ErrOut, "Error: %v\n", err)
		return 1
	}
	return 0
}

// usageError is a mistake in how the command was called, with where to read how to call it.
func usageError(c *cobra.Command, format string, args ...any) error {
	return fmt.Errorf("%s\nSee '%s --help' for usage.", fmt.Sprintf(format, args...), c.CommandPath())
}
