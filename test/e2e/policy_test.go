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

package e2e

// These tests use accounts of their own, so they depend on no other test.

import (
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
)

// policyManifest is an account's AccountSessionPolicy with the given inactivity timeout.
func policyManifest(namespace, inactivityTimeout string) string {
	return `apiVersion: supportaccess.io/v1alpha1
kind: AccountSessionPolicy
metadata:
  name: session-policy
  namespace: ` + namespace + `
spec:
  inactivityTimeout: ` + inactivityTimeout + `
`
}

// grantManifest is a Limited grant of the given duration.
func grantManifest(namespace, name, duration string) string {
	return `apiVersion: supportaccess.io/v1alpha1
kind: SupportAccessGrant
metadata:
  name: ` + name + `
  namespace: ` + namespace + `
spec:
  accessLevel: Limited
  duration: ` + duration + `
  reason: end-to-end test
`
}

// Test 6: the account's inactivity timeout (the "dropdown") reaches support at login, and a change
// of the policy applies to the next login without touching the grant.
func TestPolicyInactivityTimeout(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	const namespace, grant = "e2e-policy", "e2e-policy-grant"
	applyNamespace(t, g, namespace)

	mustKubectl(ctx, g, policyManifest(namespace, "15m"), "apply", "-f", "-")
	mustKubectl(ctx, g, grantManifest(namespace, grant, "1h"), "apply", "-f", "-")
	g.Eventually(func(g Gomega) {
		g.Expect(mustKubectl(ctx, g, "", "get", "sag", grant, "-n", namespace, "-o", "jsonpath={.status.phase}")).To(Equal("Active"))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())

	email, password := credentials(ctx, g, namespace, grant)
	// The auth service learns of policies from its watch; poll rather than assume it is there yet.
	idleTimeout := func(g Gomega) int64 {
		status, resp, err := login(ctx, email, password)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(status).To(Equal(http.StatusOK), "login to %s/%s", namespace, grant)
		return resp.IdleTimeoutSeconds
	}
	g.Eventually(idleTimeout).WithTimeout(eventually).WithPolling(poll).Should(BeEquivalentTo(15 * 60))

	mustKubectl(ctx, g, policyManifest(namespace, "1h"), "apply", "-f", "-")
	g.Eventually(idleTimeout).WithTimeout(eventually).WithPolling(poll).Should(BeEquivalentTo(60 * 60))
}

// Test 7: a grant shorter than the minimum is refused by kubectl apply itself, with the field and
// the rule in the message (the CRD's CEL rule, which holds whatever admission is installed,
// docs/validation.md), and nothing is created; one longer than the operator's limit is refused by
// an admission policy, which reads the limits ConfigMap.
func TestTooShortGrantRefused(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	const namespace, grant = "e2e-bad-yaml", "e2e-too-short"
	applyNamespace(t, g, namespace)

	r := kubectl(ctx, grantManifest(namespace, grant, "5m"), "apply", "-f", "-")
	g.Expect(r.Err).To(HaveOccurred(), "kubectl apply of a 5m grant should fail; stdout: %s", r.Stdout)
	t.Logf("kubectl apply of a 5m grant: %s", r.Stderr)
	g.Expect(r.Stderr).To(ContainSubstring("spec.duration"))
	g.Expect(r.Stderr).To(ContainSubstring("must be at least 15m"))
	g.Expect(mustKubectl(ctx, g, "", "get", "sag", grant, "-n", namespace, "--ignore-not-found", "-o", "name")).To(BeEmpty())

	r = kubectl(ctx, grantManifest(namespace, "e2e-too-long", "2000h"), "apply", "-f", "-")
	g.Expect(r.Err).To(HaveOccurred(), "kubectl apply of a 2000h grant should fail; stdout: %s", r.Stdout)
	t.Logf("kubectl apply of a 2000h grant: %s", r.Stderr)
	// kubectl prints admission's field errors as it prints the schema's; this rule is
	// admission's (the schema cannot know the operator's limit).
	g.Expect(r.Stderr).To(ContainSubstring(`spec.duration: Invalid value: "2000h": must be at most 720h (the operator's limit)`))
}
