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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/kube"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/validate"
)

type credentialsOptions struct {
	output  string
	cluster *clusterFlags
}

// Credentials is what `credentials` prints: everything support needs to log in.
type Credentials struct {
	Grant       string `json:"grant"`
	Namespace   string `json:"namespace"`
	AccessLevel string `json:"accessLevel"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	ExpiresAt   string `json:"expiresAt,omitempty"`
	LoginURL    string `json:"loginURL,omitempty"`
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
	client, namespace, err := o.cluster.connect(env)
	if err != nil {
		return err
	}
	g, err := client.GetGrant(ctx, namespace, name)
	if err != nil {
		return kube.Explain(err, "grant", name, namespace)
	}
	if err := notActiveError(g); err != nil {
		return err
	}
	if g.Status.SecretName == "" {
		return fmt.Errorf("grant %q is Active but names no credentials Secret in its status yet; run this again in a moment", name)
	}
	secret, err := client.GetSecret(ctx, namespace, g.Status.SecretName)
	if err != nil {
		if errors.Is(kube.Explain(err, "Secret", g.Status.SecretName, namespace), kube.ErrNotFound) {
			return fmt.Errorf("grant %q is Active but its credentials Secret %s/%s is missing: the operator issues fresh credentials in a moment; run this again", name, namespace, g.Status.SecretName)
		}
		return kube.Explain(err, "Secret", g.Status.SecretName, namespace)
	}
	creds, err := credentialsOf(g, secret)
	if err != nil {
		return err
	}
	return writeCredentials(env.Out, creds, o.output)
}

// credentialsOf reads the credentials from the grant's Secret, refusing a Secret the grant does not
// control: anyone allowed to write Secrets in the namespace could have put one of that name there.
func credentialsOf(g *supportaccessv1alpha1.SupportAccessGrant, s *corev1.Secret) (*Credentials, error) {
	owner := metav1.GetControllerOf(s)
	if owner == nil || owner.UID != g.UID || string(s.Type) != supportaccessv1alpha1.SecretTypeCredentials {
		return nil, fmt.Errorf("Secret %s/%s is not the credentials Secret of grant %q (not of type %s controlled by it); not printing it",
			s.Namespace, s.Name, g.Name, supportaccessv1alpha1.SecretTypeCredentials)
	}
	email, password := string(s.Data[supportaccessv1alpha1.SecretKeyEmail]), string(s.Data[supportaccessv1alpha1.SecretKeyPassword])
	if email == "" || password == "" || (g.Status.LoginEmail != "" && email != g.Status.LoginEmail) {
		return nil, fmt.Errorf("Secret %s/%s does not hold the grant's current credentials yet: the operator is issuing them; run this again in a moment",
			s.Namespace, s.Name)
	}
	return &Credentials{
		Grant:       g.Name,
		Namespace:   g.Namespace,
		AccessLevel: string(g.Spec.AccessLevel),
		Email:       email,
		Password:    password,
		ExpiresAt:   string(s.Data[supportaccessv1alpha1.SecretKeyExpiresAt]),
		LoginURL:    string(s.Data[supportaccessv1alpha1.SecretKeyLoginURL]),
	}, nil
}

func writeCredentials(out io.Writer, c *Credentials, format string) error {
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
