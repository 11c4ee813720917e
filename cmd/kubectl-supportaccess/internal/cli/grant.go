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

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/validate"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

type grantOptions struct {
	access   string
	duration string
	reason   string
	wait     time.Duration
	cluster  *clusterFlags
}

func newGrantCommand(env Env) *cobra.Command {
	o := &grantOptions{}
	c := &cobra.Command{
		Use:   "grant NAME [--access limited|full] [--duration 168h] [--reason TEXT]",
		Short: "Give support temporary login access to this account (creates a SupportAccessGrant)",
		Long: `Create a SupportAccessGrant in the namespace (the account), wait until the operator has issued its
login email and password, and print the email and how to get the password.

Limited access excludes personal data (message history, contacts, campaigns, the inbox); full access
includes it. The credentials stop working after --duration, on revoke, or when the grant is deleted.`,
		Example: `  # A week of Limited access for ticket 4711
  kubectl supportaccess grant ticket-4711 -n acme --reason "Ticket #4711: campaign sends fail"

  # One day of Full access (includes personal data)
  kubectl supportaccess grant ticket-4712 -n acme --access full --duration 24h`,
		Args: grantNameArg,
		RunE: func(c *cobra.Command, args []string) error {
			return o.run(c.Context(), env, args[0])
		},
	}
	c.Flags().StringVar(&o.access, "access", "limited", "limited (no personal data) or full (includes personal data)")
	c.Flags().StringVar(&o.duration, "duration", supportaccessv1alpha1.DefaultGrantDuration, "how long the credentials stay valid, at least 15m (e.g. 168h, 24h, 90m)")
	c.Flags().StringVar(&o.reason, "reason", "", "why, e.g. a ticket number (at most 1024 characters; copied into the grant's events)")
	c.Flags().DurationVar(&o.wait, "wait", defaultWait, "how long to wait for the credentials; 0 does not wait")
	o.cluster = addClusterFlags(c)
	return c
}

func (o *grantOptions) run(ctx context.Context, env Env, name string) error {
	access, err := validate.AccessLevel(o.access)
	if err != nil {
		return err
	}
	duration, err := validate.GrantDuration(o.duration)
	if err != nil {
		return err
	}
	if err := validate.Reason(o.reason); err != nil {
		return err
	}
	if o.wait < 0 {
		return fmt.Errorf("invalid --wait %s: must not be negative (0 does not wait)", o.wait)
	}
	client, namespace, err := o.cluster.connect(env)
	if err != nil {
		return err
	}
	created, err := client.CreateGrant(ctx, accountclient.GrantRequest{
		Namespace: namespace, Name: name, AccessLevel: access, Duration: duration, Reason: o.reason,
	})
	if err != nil {
		return accountclient.Explain(err, "grant", name, namespace)
	}
	fmt.Fprintf(env.Out, "Grant %q created in namespace %q: %s access for %s.\n", name, namespace, access, duration)
	if o.wait == 0 {
		fmt.Fprintf(env.Out, "Not waiting for the credentials; see when they are issued with: %s list -n %s\n", displayName, namespace)
		return nil
	}
	g, err := waitActive(ctx, client, namespace, name, created.Generation, o.wait)
	if err != nil {
		return fmt.Errorf("grant %q created, but %w", name, err)
	}
	printIssued(env, g)
	return nil
}

// printIssued tells the account owner what to hand to support: the email here, the password
// through `credentials` (never printed by any other command).
func printIssued(env Env, g *supportaccessv1alpha1.SupportAccessGrant) {
	fmt.Fprintf(env.Out, "Active until %s.\n", formatTime(g.Status.ExpiresAt))
	fmt.Fprintf(env.Out, "  Login email: %s\n", g.Status.LoginEmail)
	fmt.Fprintf(env.Out, "  Password:    in Secret %s/%s; print it with: %s credentials %s -n %s\n",
		g.Namespace, g.CredentialsSecretName(), displayName, g.Name, g.Namespace)
}
