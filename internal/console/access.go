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

package console

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

// permission is whether the user may do something, and if not, why: the page disables the button
// and shows the reason (docs/console.md).
type permission struct {
	Allowed bool
	Reason  string
}

// denied is a permission refused for reason.
func denied(reason string) permission { return permission{Reason: reason} }

// accessCheck is one question to kube-apiserver, answered into result.
type accessCheck struct {
	verb, group, resource, name string
	result                      *permission
}

const (
	groupSupportAccess = "supportaccess.io"
	groupCoordination  = "coordination.k8s.io"
)

// grantCheck, policyCheck, leaseCheck and secretCheck ask about the kinds the console touches.
func grantCheck(verb string, p *permission) accessCheck {
	return accessCheck{verb: verb, group: groupSupportAccess, resource: accountclient.ResourceGrants, result: p}
}

func policyCheck(verb, name string, p *permission) accessCheck {
	return accessCheck{verb: verb, group: groupSupportAccess, resource: accountclient.ResourcePolicies, name: name, result: p}
}

func leaseCheck(verb string, p *permission) accessCheck {
	return accessCheck{verb: verb, group: groupCoordination, resource: "leases", result: p}
}

func secretCheck(name string, p *permission) accessCheck {
	return accessCheck{verb: "get", resource: "secrets", name: name, result: p}
}

// maxConcurrentReviews bounds the SelfSubjectAccessReviews one page sends at once.
const maxConcurrentReviews = 8

// checkAccess answers every check with a SelfSubjectAccessReview as the user, concurrently. A
// review that fails counts as a refusal, with the failure as the reason: a button is never
// enabled on a guess.
func checkAccess(ctx context.Context, client *accountclient.Client, namespace string, checks []accessCheck) {
	var g errgroup.Group
	g.SetLimit(maxConcurrentReviews)
	for _, c := range checks {
		g.Go(func() error {
			allowed, reason, err := client.Can(ctx, c.verb, c.group, c.resource, namespace, c.name)
			switch {
			case err != nil:
				*c.result = denied(err.Error())
			case allowed:
				*c.result = permission{Allowed: true}
			default:
				*c.result = denied(refusal(c, namespace, reason))
			}
			return nil
		})
	}
	_ = g.Wait() // The checks report through their results.
}

// refusal says what RBAC does not allow, as the page shows it.
func refusal(c accessCheck, namespace, reason string) string {
	what := c.resource
	if c.group == groupSupportAccess {
		what += "." + supportaccessv1alpha1.GroupVersion.Group
	}
	if c.name != "" {
		what += " " + c.name
	}
	msg := fmt.Sprintf("your Kubernetes permissions do not allow %s on %s in namespace %s", c.verb, what, namespace)
	if reason != "" {
		msg += " (" + reason + ")"
	}
	return msg
}
