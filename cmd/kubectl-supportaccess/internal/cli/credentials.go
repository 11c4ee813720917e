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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/validate"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

type credentialsOptions struct {
	output  string
	cluster *clusterFlags
}

func newCredentialsCommand(env Env) *cobra.Command {
	o := &credentialsOptions{}
	c := &cobra.Command{
		Use:   "credentials NAME [-o text|json|yaml]",
		Short: "Print the grant's login email and password (the \"copy credentials\" button)",
		Long: `Print the login email and password of an Active grant, read from its credentials Secret, to hand to
the support team over a secure channel. This is the only command that prints a password.`,
		Example: `  kubectl supportaccess credentials ticket-4711 -n acme
  kubectl supportaccess credentials ticket-4711 -n acme -o json | jq -r .password`,
		Args: grantNameArg,
		RunE: func(c *cobra.Command, args []string) error {
			return o.run(c.Context(), env, args[0])
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text, json or yaml")
	o.cluster = addClusterFlags(c)
	return c
}

func (o *credentialsOptions) run(ctx context.Context, env Env, name string) error {
	if err := validate.Output(o.output, "text", "json", "yaml"); err != nil {
		return err
	}
	client, namespace, g, err := o.cluster.grant(ctx, env, name)
	if err != nil {
		return err
	}
	if err := notActiveError(g); err != nil {
		return err
	}
	if g.Status.SecretName == "" {
		return fmt.Errorf("grant %q is Active but names no credentials Secret in its status yet; run this again in a moment", name)
	}
	// The Secret the spec names: status.secretName only says that the operator issued it.
	secretName := g.CredentialsSecretName()
	secret, err := client.GetSecret(ctx, namespace, secretName)
	if err != nil {
		if errors.Is(accountclient.Explain(err, "Secret", secretName, namespace), accountclient.ErrNotFound) {
			return fmt.Errorf("grant %q is Active but its credentials Secret %s/%s is missing: the operator issues fresh credentials in a moment; run this again", name, namespace, secretName)
		}
		return accountclient.Explain(err, "Secret", secretName, namespace)
	}
	creds, err := accountclient.CredentialsOf(g, secret)
	if err != nil {
		return err
	}
	return writeCredentials(env.Out, creds, o.output)
}

func writeCredentials(out io.Writer, c *accountclient.Credentials, format string) error {
	switch format {
	case "json":
		data, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", data)
		return err
	case "yaml":
		data, err := yaml.Marshal(c)
		if err != nil {
			return err
		}
		_, err = out.Write(data)
		return err
	}
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintf(w, "Email:\t%s\n", c.Email)
	fmt.Fprintf(w, "Password:\t%s\n", c.Password)
	fmt.Fprintf(w, "Access:\t%s\n", c.AccessLevel)
	fmt.Fprintf(w, "Expires:\t%s\n", orNone(c.ExpiresAt))
	if c.LoginURL != "" {
		fmt.Fprintf(w, "Login URL:\t%s\n", c.LoginURL)
	}
	return w.Flush()
}
