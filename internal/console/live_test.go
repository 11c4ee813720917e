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
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// Live (docs/reference.md#console): changes made elsewhere (kubectl, GitOps, expiry) appear on the
// open page within 2 s, through a watch as the user streamed to the page.

// liveWithin is the console's bound (docs/reference.md#console).
const liveWithin = 2 * time.Second

func TestLiveShowsChangesMadeElsewhere(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			g := NewWithT(t)
			ns := newAccount(t)
			admin := newUser(t, m, ns, roleAdmin)
			// Several Active grants: each update asks about each one's Secret.
			issued := activeGrant(t, ns, "g", nil)
			activeGrants(t, ns, "keep", "keep-2", "keep-3", "keep-4", "keep-5", "keep-6", "keep-7")
			b := open(t, m, admin)
			s := b.live(ns)
			g.Expect(s.code).To(Equal(http.StatusOK))

			first := s.next(t, liveWithin).update(t)
			g.Expect(first.Grants).To(ContainSubstring(`<span class="phase phase-Active">Active</span>`))
			g.Expect(first.Grants).NotTo(ContainSubstring(`phase-Revoked`))
			g.Expect(first.Grants).To(ContainSubstring(issued.password), "the admin's live view shows the credentials")

			// Revoked with kubectl: Revoked on the page within 2 s, in the history.
			patchGrant(t, ns, "g", `{"revoked":true}`)
			revoked := s.waitForUpdate(t, liveWithin, func(u liveUpdate) bool {
				return strings.Contains(u.Grants, `<span class="phase phase-Revoked">Revoked</span>`)
			})
			g.Expect(revoked.Grants).To(ContainSubstring(`id="history-title"`))
			g.Expect(revoked.Grants).NotTo(ContainSubstring(issued.password), "a revoked grant's credentials are gone")

			// A session timeout set elsewhere.
			g.Expect(k8s.Create(context.Background(), &supportaccessv1alpha1.AccountSessionPolicy{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gitops"},
				Spec:       supportaccessv1alpha1.AccountSessionPolicySpec{InactivityTimeout: supportaccessv1alpha1.InactivityTimeout2h},
			})).To(Succeed())
			s.waitForUpdate(t, liveWithin, func(u liveUpdate) bool {
				return strings.Contains(u.Policy, "Automatic logout after <strong>2 hours</strong>")
			})

			// A session that starts.
			sessionLease(t, ns, "keep", "session-live")
			s.waitForUpdate(t, liveWithin, func(u liveUpdate) bool { return strings.Contains(u.Grants, `id="end_session-live"`) })
		})
	}
}

// The stream starts with the account as it is now, even when nothing changes: a page read
// before something was deleted is corrected at once, and an empty account is no exception.
func TestLiveStartsWithTheCurrentState(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	reader := newUser(t, loopbackMode, ns, roleReadOnly)
	s := open(t, loopbackMode, reader).live(ns)
	g.Expect(s.code).To(Equal(http.StatusOK))
	first := s.next(t, liveWithin).update(t)
	g.Expect(first.Grants).To(ContainSubstring("No support access right now"))
	g.Expect(first.Policy).To(ContainSubstring("Automatic logout after <strong>30 minutes</strong> of inactivity (default)"))
}
