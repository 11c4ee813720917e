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
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

type renewOptions struct {
	wait    time.Duration
	cluster *clusterFlags
}

func newRenewCommand(env Env) *cobra.Command {
	o := &renewOptions{}
	c := &cobra.Command{
		Use:   "renew NAME",
		Short: "Restart a grant's validity window now (sets spec.renewedAt)",
		Long: `Renew a grant: its validity window restarts now, for its spec.duration. An Active grant keeps its
credentials; an Expired grant gets fresh ones (the old password never comes back). A revoked grant
cannot be renewed.`,
		Example: `  kubectl supportaccess renew ticket-4711 -n acme`,
		Args:    grantNameArg,
		RunE: func(c *cobra.Command, args []string) error {
			return o.run(c.Context(), env, args[0])
		},
	}
	c.Flags().DurationVar(&o.wait, "wait", defaultWait, "how long to wait for the operator to apply the renewal; 0 does not wait")
	o.cluster = addClusterFlags(c)
	return c
}

func (o *renewOptions) run(ctx context.Context, env Env, name string) error {
	if o.wait < 0 {
		return fmt.Errorf("invalid --wait %s: must not be negative (0 does not wait)", o.wait)
	}
	client, namespace, g, err := o.cluster.grant(ctx, env, name)
	if err != nil {
		return err
	}
	if g.Spec.Revoked {
		return fmt.Errorf("grant %q in namespace %q is revoked and cannot be renewed: to give access again, create a new grant", name, namespace)
	}
	wasExpired := g.Status.Phase == supportaccessv1alpha1.GrantPhaseExpired
	at := accountclient.RenewalTime(env.Now(), g.Spec.RenewedAt)
	patched, err := client.PatchGrantSpec(ctx, namespace, name, string(g.UID), map[string]any{"renewedAt": at.Format(time.RFC3339)})
	if err != nil {
		return accountclient.Explain(err, "grant", name, namespace)
	}
	fmt.Fprintf(env.Out, "Grant %q in namespace %q renewed at %s.\n", name, namespace, at.Format(time.RFC3339))
	if o.wait == 0 {
		return nil
	}
	g, err = waitActive(ctx, client, namespace, name, patched.Generation, o.wait)
	if err != nil {
		return fmt.Errorf("grant %q renewed, but %w", name, err)
	}
	fmt.Fprintf(env.Out, "Active until %s.\n", formatTime(g.Status.ExpiresAt))
	if wasExpired {
		fmt.Fprintf(env.Out, "Fresh credentials were issued (the old password no longer works): %s credentials %s -n %s\n", displayName, name, namespace)
	} else {
		fmt.Fprintln(env.Out, "The credentials are unchanged.")
	}
	return nil
}
