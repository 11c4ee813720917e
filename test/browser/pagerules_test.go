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

package browser

import (
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
)

// TestEveryReplicaAppliesThePageRules: both replicas, the leader and the standby, answer forward
// auth with the shipped page rules, not the fail-closed stand-in of a replica that never read
// them (every page Full-only): a Limited session may have the dashboard and not the messages on
// either. The browser tests go through one replica each; this says which one is wrong.
func TestEveryReplicaAppliesThePageRules(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ctx := t.Context()
	gr := newGrant(t, accountA, "page-rules-limited", "Limited")
	token := apiLogin(ctx, g, gr)
	for _, r := range replicas() {
		// The rules were in the cluster before the replicas started; "eventually" only covers the
		// new session's Lease reaching the replica that did not see the login.
		g.Eventually(func(g Gomega) {
			g.Expect(bearerForwardAuth(ctx, g, r, accountA, "/dashboard", token)).To(Equal(http.StatusOK),
				"%s refuses a Limited session the dashboard: it serves without the page rules", r.name)
		}).WithTimeout(refusedAtOnce).WithPolling(poll).Should(Succeed())
		g.Expect(bearerForwardAuth(ctx, g, r, accountA, "/messages", token)).To(Equal(http.StatusForbidden),
			"%s lets a Limited session have /messages", r.name)
	}
}
