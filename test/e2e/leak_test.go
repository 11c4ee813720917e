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

// The suite's leak check (e2esuite's CheckNoLeaks) only catches what the tests make the system
// print. The happy paths print little; errors print more, and an error about a session Lease
// names it, and so the token's hash. This test drives the controller into that error path for real.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// TestFailedSessionEndLeaksNothing logs in to a grant, makes kube-apiserver refuse every Lease
// delete in its account (a ValidatingAdmissionPolicy), and revokes the grant: the controller's
// reconcile fails on ending the session, and controller-runtime logs that failure ("Reconciler
// error"), as does the auth service's janitor. Once the manager's log shows it, the refusal is
// lifted and the controller's retry must end the session. The session's token, its hash and the
// Lease's name are remembered, so the leak check fails the suite if any of those errors printed
// them.
func TestFailedSessionEndLeaksNothing(t *testing.T) {
	ctx := t.Context()
	const namespace, grant = "e2e-leak", "e2e-leak-grant"
	g := NewWithT(t)
	applyNamespace(t, g, namespace)

	mustKubectl(ctx, g, grantManifest(namespace, grant, "1h"), "apply", "-f", "-")
	phase := func(g Gomega) string {
		return mustKubectl(ctx, g, "", "get", "sag", grant, "-n", namespace, "-o", "jsonpath={.status.phase}")
	}
	g.Eventually(phase).WithTimeout(eventually).WithPolling(poll).Should(Equal("Active"))
	session, email := mustLogin(ctx, g, namespace, grant)
	sum := sha256.Sum256([]byte(session.Token))
	leaseName := "session-" + hex.EncodeToString(sum[:]) // internal/session.LeaseName
	for _, secret := range []string{session.Token, hex.EncodeToString(sum[:]), leaseName} {
		e2e.Secrets.Remember("the session's token, its hash or its Lease's name", secret)
	}
	sessionLeases := func(g Gomega) []string {
		out := mustKubectl(ctx, g, "", "get", "leases", "-n", namespace, "-l", "supportaccess.io/grant="+grant, "-o", "name")
		return strings.Fields(out)
	}
	g.Expect(sessionLeases(g)).To(ConsistOf("lease.coordination.k8s.io/"+leaseName), "the login's session Lease")
	expectToken(ctx, g, session.Token, "supportaccess:"+email)

	allowDeletes := denyLeaseDeletes(t, g, namespace)
	mustKubectl(ctx, g, "", "patch", "sag", grant, "-n", namespace, "--type", "merge", "-p", `{"spec":{"revoked":true}}`)

	// The controller tried, failed, and controller-runtime logged the failure.
	reconcileFailed := func(g Gomega) bool {
		data, err := os.ReadFile(e2e.ManagerLog)
		g.Expect(err).NotTo(HaveOccurred())
		for line := range strings.Lines(string(data)) {
			if strings.Contains(line, "Reconciler error") && strings.Contains(line, "end session of grant "+namespace+"/"+grant) {
				return true
			}
		}
		return false
	}
	g.Eventually(reconcileFailed).WithTimeout(eventually).WithPolling(poll).Should(BeTrue(),
		"the manager's log shows no failed reconcile of %s/%s ending its session", namespace, grant)
	// The grant says why (docs/status.md): RBAC, here an admission policy answering 403, refuses
	// the manager a write, which retrying alone cannot fix.
	g.Eventually(func(g Gomega) {
		g.Expect(mustKubectl(ctx, g, "", "get", "sag", grant, "-n", namespace, "-o",
			`jsonpath={.status.conditions[?(@.type=="Ready")].reason} {.status.conditions[?(@.type=="Stalled")].status}`)).To(Equal("Forbidden True"))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed(), "the grant does not report the refused delete")
	// Refused all the same: the auth service does not wait for the Lease to go.
	expectToken(ctx, g, session.Token, "")
	g.Expect(sessionLeases(g)).To(HaveLen(1), "the session Lease went away while its deletes were refused")

	allowDeletes()
	g.Eventually(sessionLeases).WithTimeout(eventually).WithPolling(poll).Should(BeEmpty(),
		"the session Lease is still there after Lease deletes were allowed again")
	g.Eventually(phase).WithTimeout(eventually).WithPolling(poll).Should(Equal("Revoked"))
	g.Expect(mustKubectl(ctx, g, "", "get", "sag", grant, "-n", namespace, "-o",
		`jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason} {.status.conditions[?(@.type=="Stalled")].status}`)).
		To(Equal("True Revoked "), "Stalled clears once the revocation completes")
}

// denyLeaseDeletes makes kube-apiserver refuse every Lease delete in namespace, with a
// ValidatingAdmissionPolicy and its binding, answering 403 Forbidden (a policy's default is 422
// Invalid), and waits until it does (a server-side dry-run delete of a canary Lease is refused). The returned func lifts the refusal and waits until deletes are
// accepted again; a cleanup lifts it too, should the test end first.
func denyLeaseDeletes(t *testing.T, g Gomega, namespace string) func() {
	t.Helper()
	name := "e2e-deny-lease-deletes-" + namespace
	manifest := `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: ` + name + `
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["coordination.k8s.io"]
      apiVersions: ["v1"]
      resources: ["leases"]
      operations: ["DELETE"]
  validations:
  - expression: "false"
    message: "injected fault: Lease deletes refused"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: ` + name + `
spec:
  policyName: ` + name + `
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: ` + namespace + `
`
	ctx := t.Context()
	mustKubectl(ctx, g, manifest, "apply", "-f", "-")
	remove := func(ctx context.Context, g Gomega) {
		mustKubectl(ctx, g, "", "delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", name, "--ignore-not-found")
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled in cleanups; a failure here is reported, not fatal.
		if r := kubectl(context.Background(), "", "delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", name, "--ignore-not-found"); r.Err != nil {
			t.Errorf("lift the Lease delete refusal: %v: %s", r.Err, r.Stderr)
		}
	})

	// Not a session Lease (no labels), so neither the controller nor the auth service looks at it.
	mustKubectl(ctx, g, `apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: canary
  namespace: `+namespace+`
`, "apply", "-f", "-")
	deleteAccepted := func() bool {
		return kubectl(ctx, "", "delete", "lease", "canary", "-n", namespace, "--dry-run=server").Err == nil
	}
	g.Eventually(deleteAccepted).WithTimeout(eventually).WithPolling(poll).Should(BeFalse(), "the admission policy never took effect")
	return func() {
		remove(ctx, g)
		g.Eventually(deleteAccepted).WithTimeout(eventually).WithPolling(poll).Should(BeTrue(), "Lease deletes still refused after removing the policy")
	}
}
