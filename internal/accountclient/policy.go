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

package accountclient

import (
	"context"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// DefaultPolicyName names the AccountSessionPolicy that SetPolicy creates in an account without
// one, as the samples do.
const DefaultPolicyName = "session-policy"

// PolicyChange is what SetPolicy did.
type PolicyChange struct {
	// Policies are the account's policies after the change.
	Policies []supportaccessv1alpha1.AccountSessionPolicy
	// Name is the policy written; Created is true when it did not exist before.
	Name    string
	Created bool
}

// SetPolicy sets spec fields (in the API's spelling) on the account's policy in force, the one
// the operator applies (policy.InForce), creating DefaultPolicyName when the account has none.
// Errors are explained (Explain).
func (c *Client) SetPolicy(ctx context.Context, namespace string, spec map[string]any) (*PolicyChange, error) {
	list, err := c.ListPolicies(ctx, namespace)
	if err != nil {
		return nil, Explain(err, "policy", "", namespace)
	}
	change := &PolicyChange{Policies: list.Items}
	current := policy.InForce(change.Policies)
	if current == nil {
		created, err := c.CreatePolicy(ctx, namespace, DefaultPolicyName, spec)
		if err != nil {
			return nil, Explain(err, "AccountSessionPolicy", DefaultPolicyName, namespace)
		}
		change.Policies = append(change.Policies, *created)
		change.Name, change.Created = created.Name, true
		return change, nil
	}
	patched, err := c.PatchPolicySpec(ctx, namespace, current.Name, spec)
	if err != nil {
		return nil, Explain(err, "AccountSessionPolicy", current.Name, namespace)
	}
	*current = *patched
	change.Name = current.Name
	return change, nil
}
