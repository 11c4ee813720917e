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

package security

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

// operatorLimit plays the tenant admin against admission (docs/validation.md#admission-paths): it
// tries to lift the operator's grant cap for its own account — with a limits ConfigMap of its own,
// its account's policy, the operator's ConfigMap, or the policies and bindings themselves — and to
// take the operator's finalizer off a new grant. Each fails: the cap has one source, in the
// operator's namespace, and admission is cluster-scoped.
func operatorLimit(t *testing.T, w *world) {
	ctx := t.Context()
	g := NewWithT(t)
	mustKubectl(ctx, g, w.tenant, `apiVersion: v1
kind: ConfigMap
metadata:
  name: `+e2esuite.LimitsConfigMap+`
  namespace: `+attackerNamespace+`
data:
  maxGrantDuration: 8760h
---
apiVersion: supportaccess.io/v1alpha1
kind: AccountSessionPolicy
metadata:
  name: lift-the-cap
  namespace: `+attackerNamespace+`
spec:
  maxGrantDuration: 8760h
`, "apply", "-f", "-")
	t.Cleanup(func() {
		_ = kubectl(ctx, admin(), "", "delete", "-n", attackerNamespace, "configmap/"+e2esuite.LimitsConfigMap, "asp/lift-the-cap", "--ignore-not-found")
	})
	yearLong := strings.Replace(grantManifest(attackerNamespace, "a-year"), "duration: 1h", "duration: 8000h", 1)
	r := kubectl(ctx, w.tenant, yearLong, "apply", "-f", "-")
	g.Expect(r.Err).To(HaveOccurred(), "the tenant lifted the operator's cap for its account")
	g.Expect(r.Stderr).To(ContainSubstring(`spec.duration: Invalid value: "8000h": must be at most ` + e2esuite.MaxGrantDuration + ` (the operator's limit)`))

	// Neither the operator's ConfigMap nor admission itself is the tenant's to change.
	for _, args := range [][]string{
		{"patch", "configmap", e2esuite.LimitsConfigMap, "-n", operatorNamespace, "--type", "merge", "-p", `{"data":{"maxGrantDuration":"8760h"}}`},
		{"delete", "validatingadmissionpolicybinding", "supportaccessgrant-operator-cap"},
		{"delete", "validatingadmissionpolicy", "supportaccessgrant-operator-cap"},
		{"delete", "mutatingadmissionpolicybinding", "supportaccessgrant-defaults"},
	} {
		expectForbidden(ctx, g, w.tenant, args...)
	}

	// The finalizer is added whatever the grant says, so deleting it always revokes first.
	mustKubectl(ctx, g, w.tenant, strings.Replace(grantManifest(attackerNamespace, "no-finalizer"), "metadata:\n", "metadata:\n  finalizers: []\n", 1), "apply", "-f", "-")
	g.Expect(mustKubectl(ctx, g, w.tenant, "", "get", "sag", "no-finalizer", "-n", attackerNamespace, "-o", "jsonpath={.metadata.finalizers}")).
		To(ContainSubstring("supportaccess.io/revoke-access"))
	mustKubectl(ctx, g, w.tenant, "", "delete", "sag", "no-finalizer", "-n", attackerNamespace, "--wait=false")
}
