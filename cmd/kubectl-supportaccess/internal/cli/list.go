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
	"io"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

type listOptions struct {
	allNamespaces bool
	cluster       *clusterFlags
}

func newListCommand(env Env) *cobra.Command {
	o := &listOptions{}
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the account's grants: access level, phase, login email, expiry",
		Example: `  kubectl supportaccess list -n acme
  kubectl supportaccess list --all-namespaces`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return o.run(c.Context(), env)
		},
	}
	c.Flags().BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list the grants of every account (namespace)")
	o.cluster = addClusterFlags(c)
	return c
}

func (o *listOptions) run(ctx context.Context, env Env) error {
	client, namespace, err := o.cluster.connect(env)
	if err != nil {
		return err
	}
	if o.allNamespaces {
		namespace = ""
	}
	list, err := client.ListGrants(ctx, namespace)
	if err != nil {
		return accountclient.Explain(err, "grant", "", namespace)
	}
	if len(list.Items) == 0 {
		if o.allNamespaces {
			fmt.Fprintln(env.ErrOut, "No support access grants found.")
		} else {
			fmt.Fprintf(env.ErrOut, "No support access grants found in namespace %q.\n", namespace)
		}
		return nil
	}
	return writeGrantTable(env.Out, list.Items, o.allNamespaces)
}

// writeGrantTable prints NAME ACCESS PHASE LOGIN EXPIRES, with NAMESPACE first when the grants
// come from several namespaces.
func writeGrantTable(out io.Writer, grants []supportaccessv1alpha1.SupportAccessGrant, withNamespace bool) error {
	sort.Slice(grants, func(i, j int) bool {
		if grants[i].Namespace != grants[j].Namespace {
			return grants[i].Namespace < grants[j].Namespace
		}
		return grants[i].Name < grants[j].Name
	})
	w := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	if withNamespace {
		fmt.Fprint(w, "NAMESPACE\t")
	}
	fmt.Fprintln(w, "NAME\tACCESS\tPHASE\tLOGIN\tEXPIRES")
	for i := range grants {
		g := &grants[i]
		if withNamespace {
			fmt.Fprintf(w, "%s\t", g.Namespace)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", g.Name, orNone(string(g.Spec.AccessLevel)),
			phaseOrPending(g.Status.Phase), orNone(g.Status.LoginEmail), formatTime(g.Status.ExpiresAt))
	}
	return w.Flush()
}
