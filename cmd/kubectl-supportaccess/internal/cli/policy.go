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
	"text/tabwriter"

	"github.com/spf13/cobra"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/validate"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// Flag names of `policy`, which are also how its spec fields are reported as changed.
const (
	flagInactivityTimeout  = "inactivity-timeout"
	flagMaxSessionLifetime = "max-session-lifetime"
	flagMaxGrantDuration   = "max-grant-duration"
)

type policyOptions struct {
	inactivityTimeout  string
	maxSessionLifetime string
	maxGrantDuration   string
	cluster            *clusterFlags
}

func newPolicyCommand(env Env) *cobra.Command {
	o := &policyOptions{}
	c := &cobra.Command{
		Use:   "policy [--inactivity-timeout 1h] [--max-session-lifetime 12h] [--max-grant-duration 168h]",
		Short: "Show the account's session policy, or set it (creates or updates its AccountSessionPolicy)",
		Long: `Without flags, show the session rules in force in the account: how long an idle support session lasts,
how long any session may live, and the longest grant allowed. With flags, set them: the account's
AccountSessionPolicy is created (named "` + accountclient.DefaultPolicyName + `") or updated, and the change applies at once to
every session, including live ones.`,
		Example: `  # What applies in acme?
  kubectl supportaccess policy -n acme

  # Log support out after 1h without activity, and allow grants of at most a week
  kubectl supportaccess policy -n acme --inactivity-timeout 1h --max-grant-duration 168h`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			spec, err := o.spec(c)
			if err != nil {
				return err
			}
			return o.run(c.Context(), env, spec)
		},
	}
	c.Flags().StringVar(&o.inactivityTimeout, flagInactivityTimeout, "", "log idle sessions out after this long: one of 15m, 30m, 1h, 2h, 4h, 8h, 12h (default 30m)")
	c.Flags().StringVar(&o.maxSessionLifetime, flagMaxSessionLifetime, "", "end every session this long after login, between 15m and 24h (default 12h)")
	c.Flags().StringVar(&o.maxGrantDuration, flagMaxGrantDuration, "", "the longest --duration a grant may have in this account, at least 15m (default: the operator's limit)")
	o.cluster = addClusterFlags(c)
	return c
}

// spec returns the fields the flags set, validated, in the API's spelling; empty when none is set.
func (o *policyOptions) spec(c *cobra.Command) (map[string]any, error) {
	spec := map[string]any{}
	if c.Flags().Changed(flagInactivityTimeout) {
		v, err := validate.InactivityTimeout(o.inactivityTimeout)
		if err != nil {
			return nil, err
		}
		spec["inactivityTimeout"] = string(v)
	}
	if c.Flags().Changed(flagMaxSessionLifetime) {
		v, err := validate.MaxSessionLifetime(o.maxSessionLifetime)
		if err != nil {
			return nil, err
		}
		spec["maxSessionLifetime"] = v
	}
	if c.Flags().Changed(flagMaxGrantDuration) {
		v, err := validate.MaxGrantDuration(o.maxGrantDuration)
		if err != nil {
			return nil, err
		}
		spec["maxGrantDuration"] = v
	}
	return spec, nil
}

func (o *policyOptions) run(ctx context.Context, env Env, spec map[string]any) error {
	client, namespace, err := o.cluster.connect(env)
	if err != nil {
		return err
	}
	if len(spec) == 0 {
		list, err := client.ListPolicies(ctx, namespace)
		if err != nil {
			return accountclient.Explain(err, "policy", "", namespace)
		}
		return writePolicy(env.Out, namespace, list.Items)
	}
	change, err := client.SetPolicy(ctx, namespace, spec)
	if err != nil {
		return err
	}
	if change.Created {
		fmt.Fprintf(env.Out, "AccountSessionPolicy %q created in namespace %q.\n\n", change.Name, namespace)
	} else {
		fmt.Fprintf(env.Out, "AccountSessionPolicy %q in namespace %q updated; the change applies to live sessions at once.\n\n", change.Name, namespace)
	}
	policies := change.Policies
	return writePolicy(env.Out, namespace, policies)
}

// writePolicy prints the settings in force in namespace, given its policies.
func writePolicy(out io.Writer, namespace string, policies []supportaccessv1alpha1.AccountSessionPolicy) error {
	p := policy.InForce(policies)
	s := policy.Effective(policies)
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintf(w, "Account:\t%s\n", namespace)
	if p == nil {
		fmt.Fprintf(w, "Policy:\tnone: the defaults apply (set one with --%s and the like)\n", flagInactivityTimeout)
	} else {
		fmt.Fprintf(w, "Policy:\t%s\n", p.Name)
	}
	fmt.Fprintf(w, "Inactivity timeout:\t%s%s\n", policy.FormatDuration(s.InactivityTimeout), defaultMark(p == nil || p.Spec.InactivityTimeout == ""))
	fmt.Fprintf(w, "Max session lifetime:\t%s%s\n", policy.FormatDuration(s.MaxSessionLifetime), defaultMark(p == nil || p.Spec.MaxSessionLifetime == nil))
	if s.MaxGrantDuration > 0 {
		fmt.Fprintf(w, "Max grant duration:\t%s\n", policy.FormatDuration(s.MaxGrantDuration))
	} else {
		fmt.Fprintf(w, "Max grant duration:\tnot set: the operator's limit applies (720h unless configured)\n")
	}
	meets, why := policy.MeetsAAL2(s)
	verdict := "no"
	if meets {
		verdict = "yes"
	}
	fmt.Fprintf(w, "NIST SP 800-63B-4 AAL2:\t%s: %s\n", verdict, why)
	for i := range policies {
		if other := &policies[i]; other != p && other.DeletionTimestamp == nil {
			fmt.Fprintf(w, "Not in force:\t%s (only the oldest policy of an account applies; delete this one)\n", other.Name)
		}
	}
	return w.Flush()
}

func defaultMark(isDefault bool) string {
	if isDefault {
		return " (default)"
	}
	return ""
}
