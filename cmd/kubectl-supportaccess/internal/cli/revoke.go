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

	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

type revokeOptions struct {
	cluster *clusterFlags
}

func newRevokeCommand(env Env) *cobra.Command {
	o := &revokeOptions{}
	c := &cobra.Command{
		Use:   "revoke NAME",
		Short: "End a grant's access now and for good (sets spec.revoked: true)",
		Long: `Revoke a grant: its credentials are deleted and every support session of it ends at once. This cannot be
undone; to give access again, create a new grant. (Deleting the grant ends access too.)`,
		Example: `  kubectl supportaccess revoke ticket-4711 -n acme`,
		Args:    grantNameArg,
		RunE: func(c *cobra.Command, args []string) error {
			return o.run(c.Context(), env, args[0])
		},
	}
	o.cluster = addClusterFlags(c)
	return c
}

func (o *revokeOptions) run(ctx context.Context, env Env, name string) error {
	client, namespace, g, err := o.cluster.grant(ctx, env, name)
	if err != nil {
		return err
	}
	if g.Spec.Revoked {
		fmt.Fprintf(env.Out, "Grant %q in namespace %q is already revoked; nothing to do.\n", name, namespace)
		return nil
	}
	if _, err := client.PatchGrantSpec(ctx, namespace, name, string(g.UID), map[string]any{"revoked": true}); err != nil {
		return accountclient.Explain(err, "grant", name, namespace)
	}
	fmt.Fprintf(env.Out, "Grant %q in namespace %q revoked: its credentials are deleted and its support sessions end now.\n", name, namespace)
	fmt.Fprintf(env.Out, "This cannot be undone: to give access again, create a new grant (%s grant NEW-NAME -n %s).\n", displayName, namespace)
	return nil
}
