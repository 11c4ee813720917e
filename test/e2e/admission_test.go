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

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

// TestWritesWhileEveryManagerIsDown stops every manager replica, then writes what an account admin
// needs most at such a moment: a revoke, a delete, a new grant and a policy. Admission is
// kube-apiserver's own (config/admission), so each is admitted with its defaults and its rules
// (a grant over the operator's cap is still refused); the controller catches up when the managers
// return (docs/validation.md, "Admission paths").
func TestWritesWhileEveryManagerIsDown(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	const namespace = "e2e-managers-down"
	applyNamespace(t, g, namespace)
	for _, name := range []string{"to-revoke", "to-delete"} {
		mustKubectl(ctx, g, grantManifest(namespace, name, "24h"), "apply", "-f", "-")
	}
	for _, name := range []string{"to-revoke", "to-delete"} {
		g.Eventually(func(g Gomega) {
			g.Expect(mustKubectl(ctx, g, "", "get", "sag", name, "-n", namespace, "-o", "jsonpath={.status.phase}")).To(Equal("Active"))
		}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())
	}
	email, password := credentials(ctx, g, namespace, "to-revoke")

	g.Expect(e2e.StopManagers()).To(Succeed())
	t.Cleanup(func() {
		if e2e.Manager == nil { // the test failed before it brought them back
			_ = e2e.StartManagers(ctx)
		}
	})

	// Revoke and delete: the customer's one-step "remove access".
	mustKubectl(ctx, g, "", "patch", "sag", "to-revoke", "-n", namespace, "--type", "merge", "-p", `{"spec":{"revoked":true}}`)
	mustKubectl(ctx, g, "", "delete", "sag", "to-delete", "-n", namespace, "--wait=false")
	// A new grant gets the defaults the schema cannot express from the mutating policy.
	mustKubectl(ctx, g, grantManifest(namespace, "while-down", "24h"), "apply", "-f", "-")
	g.Expect(mustKubectl(ctx, g, "", "get", "sag", "while-down", "-n", namespace,
		"-o", "jsonpath={.metadata.finalizers} {.spec.secretName}")).To(Equal(`["supportaccess.io/revoke-access"] while-down-credentials`))
	// The rules still hold: a grant over the operator's cap, a second policy.
	r := kubectl(ctx, grantManifest(namespace, "too-long", "2000h"), "apply", "-f", "-")
	g.Expect(r.Err).To(HaveOccurred(), "a 2000h grant was admitted while the managers were down")
	g.Expect(r.Stderr).To(ContainSubstring(`spec.duration: Invalid value: "2000h": must be at most 720h (the operator's limit)`))
	mustKubectl(ctx, g, policyManifest(namespace, "15m"), "apply", "-f", "-")
	r = kubectl(ctx, strings.Replace(policyManifest(namespace, "1h"), "name: session-policy", "name: second-policy", 1), "apply", "-f", "-")
	g.Expect(r.Err).To(HaveOccurred(), "a second policy was admitted while the managers were down")
	g.Expect(r.Stderr).To(ContainSubstring(`already has AccountSessionPolicy "session-policy" and allows only one`))
	// The deleted grant waits, with its finalizer, for the controller to take its access away.
	g.Expect(mustKubectl(ctx, g, "", "get", "sag", "to-delete", "-n", namespace, "-o", "jsonpath={.metadata.deletionTimestamp}")).NotTo(BeEmpty())

	g.Expect(e2e.StartManagers(ctx)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(mustKubectl(ctx, g, "", "get", "sag", "while-down", "-n", namespace, "-o", "jsonpath={.status.phase}")).To(Equal("Active"))
		g.Expect(mustKubectl(ctx, g, "", "get", "sag", "to-revoke", "-n", namespace, "-o", "jsonpath={.status.phase}")).To(Equal("Revoked"))
		g.Expect(mustKubectl(ctx, g, "", "get", "secret", "to-revoke-credentials", "-n", namespace, "--ignore-not-found", "-o", "name")).To(BeEmpty())
		g.Expect(mustKubectl(ctx, g, "", "get", "sag", "to-delete", "-n", namespace, "--ignore-not-found", "-o", "name")).To(BeEmpty())
		g.Expect(mustKubectl(ctx, g, "", "get", "rolebindings", "-n", namespace, "-l", "supportaccess.io/grant in (to-revoke,to-delete)", "-o", "name")).To(BeEmpty())
		g.Expect(mustKubectl(ctx, g, "", "get", "asp", "session-policy", "-n", namespace, "-o", "jsonpath={.status.observedGeneration}")).To(Equal("1"))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())
	status, _, err := login(ctx, email, password)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(status).To(Equal(http.StatusUnauthorized), "the grant revoked while the managers were down still logs in")
}

// TestOperatorLimitHasOneSource edits the limits ConfigMap (docs/reference.md#operator-limits) and
// checks that admission and the manager apply the new cap at once, without a restart: a live
// grant's end moves to its start plus the cap, and a new grant over it is refused, in the same
// words; and both follow it back.
func TestOperatorLimitHasOneSource(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	const namespace = "e2e-operator-limit"
	applyNamespace(t, g, namespace)
	mustKubectl(ctx, g, grantManifest(namespace, "two-days", "48h"), "apply", "-f", "-")
	expiresAt := func(g Gomega) time.Duration {
		out := mustKubectl(ctx, g, "", "get", "sag", "two-days", "-n", namespace,
			"-o", "jsonpath={.status.phase} {.status.issuedAt} {.status.expiresAt}")
		fields := strings.Fields(out)
		g.Expect(fields).To(HaveLen(3))
		g.Expect(fields[0]).To(Equal("Active"))
		issued, err := time.Parse(time.RFC3339, fields[1])
		g.Expect(err).NotTo(HaveOccurred())
		expires, err := time.Parse(time.RFC3339, fields[2])
		g.Expect(err).NotTo(HaveOccurred())
		return expires.Sub(issued)
	}
	g.Eventually(expiresAt).WithTimeout(eventually).WithPolling(poll).Should(Equal(48 * time.Hour))

	setCap := func(d string) {
		mustKubectl(ctx, g, "", "patch", "configmap", e2esuite.LimitsConfigMap, "-n", "default", "--type", "merge",
			"-p", `{"data":{"maxGrantDuration":"`+d+`"}}`)
	}
	setCap("24h")
	t.Cleanup(func() {
		_ = kubectl(context.Background(), "", "patch", "configmap", e2esuite.LimitsConfigMap, "-n", "default", "--type", "merge",
			"-p", `{"data":{"maxGrantDuration":"`+e2esuite.MaxGrantDuration+`"}}`)
	})
	g.Eventually(expiresAt).WithTimeout(eventually).WithPolling(poll).Should(Equal(24 * time.Hour))
	g.Eventually(func(g Gomega) {
		r := kubectl(ctx, grantManifest(namespace, "another-two-days", "48h"), "apply", "-f", "-")
		g.Expect(r.Err).To(HaveOccurred())
		g.Expect(r.Stderr).To(ContainSubstring(`spec.duration: Invalid value: "48h": must be at most 24h (the operator's limit)`))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())

	setCap(e2esuite.MaxGrantDuration)
	g.Eventually(expiresAt).WithTimeout(eventually).WithPolling(poll).Should(Equal(48 * time.Hour))
}
