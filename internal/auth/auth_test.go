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

package auth

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/internal/session"
)

const (
	eventually = 10 * time.Second
	poll       = 5 * time.Millisecond
)

// authenticated polls until the token review answer equals want.
func waitForReview(t *testing.T, s *testService, token string, want bool) time.Duration {
	t.Helper()
	start := time.Now()
	NewWithT(t).Eventually(func() bool { return s.review(t, token).Status.Authenticated }, eventually, poll).Should(Equal(want))
	return time.Since(start)
}

func TestLoginTokenReviewLogout(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "ticket-1", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	})
	var token string
	var body map[string]any
	g.Eventually(func() int {
		status, _, b := serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": grant.email, "password": grant.password})
		if status == http.StatusOK {
			token, body = b["token"].(string), b
		}
		return status
	}, eventually, poll).Should(Equal(http.StatusOK))
	g.Expect(token).To(HavePrefix(session.TokenPrefix))
	g.Expect(body).To(HaveKeyWithValue("tokenType", "Bearer"))
	g.Expect(body).To(HaveKeyWithValue("accessLevel", "Full"))
	g.Expect(body).To(HaveKeyWithValue("account", ns))
	g.Expect(body).To(HaveKeyWithValue("grant", "ticket-1"))
	g.Expect(body).To(HaveKeyWithValue("idleTimeoutSeconds", float64(1800)))
	g.Expect(body).To(HaveKey("expiresAt"))

	review := serviceA.review(t, token)
	g.Expect(review.Status.Authenticated).To(BeTrue())
	g.Expect(review.Status.User.Username).To(Equal("supportaccess:" + grant.email))
	g.Expect(review.Status.User.Groups).To(ConsistOf(identity.GroupSupport, identity.GroupAccessFull, identity.GroupAccountPrefix+ns))
	g.Expect(review.Status.User.Extra).To(HaveKeyWithValue(identity.ExtraGrant, ConsistOf("ticket-1")))
	g.Expect(review.Status.User.Extra).To(HaveKeyWithValue(identity.ExtraAccount, ConsistOf(ns)))
	g.Expect(review.Status.User.Extra).To(HaveKey(identity.ExtraExpiresAt))

	// Only the token's SHA-256 is stored: the Lease is named by it and holds no token.
	leases := &coordinationv1.LeaseList{}
	g.Expect(k8s.List(context.Background(), leases, client.InNamespace(ns))).To(Succeed())
	g.Expect(leases.Items).To(HaveLen(1))
	g.Expect(leases.Items[0].Name).To(Equal(session.LeaseName(session.HashToken(token))))
	g.Expect(leases.String()).NotTo(ContainSubstring(token))

	status, _, who := serviceA.call(t, http.MethodGet, "/v1/session", token, nil)
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(who).To(HaveKeyWithValue("username", "supportaccess:"+grant.email))

	status, _, _ = serviceA.call(t, http.MethodPost, "/v1/logout", token, nil)
	g.Expect(status).To(Equal(http.StatusNoContent))
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeFalse(), "refused at once after logout")
	status, _, _ = serviceA.call(t, http.MethodGet, "/v1/session", token, nil)
	g.Expect(status).To(Equal(http.StatusUnauthorized))
	g.Eventually(func() int {
		_ = k8s.List(context.Background(), leases, client.InNamespace(ns))
		return len(leases.Items)
	}, eventually, poll).Should(BeZero())

	// After logout the same credentials log in again.
	serviceA.login(t, grant.email, grant.password)
}

func TestExpiryCheckedAtTheMomentOfTheCheck(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	// The window ends in about 3 s, and no controller will ever mark the grant Expired.
	grant := issueGrant(t, ns, "short", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: 15 * time.Minute}
		gr.Spec.RenewedAt = &metav1.Time{Time: time.Now().Add(-15*time.Minute + 3*time.Second)}
	})
	end := grant.grant.Spec.RenewedAt.Add(15 * time.Minute)
	var token string
	g.Eventually(func() int {
		status, _, b := serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": grant.email, "password": grant.password})
		if status == http.StatusOK {
			token = b["token"].(string)
		}
		return status
	}, eventually, poll).Should(Equal(http.StatusOK))
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue())

	clk.SetTime(end.Add(-time.Millisecond))
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue(), "valid until the last instant")
	clk.SetTime(end)
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeFalse(), "refused at expiresAt, with the grant still Active in the API")
	status, _, _ := serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": grant.email, "password": grant.password})
	g.Expect(status).To(Equal(http.StatusUnauthorized), "no login after expiresAt")
}

func TestRevokeDeleteAndAccessLevelReachChecksAtOnce(t *testing.T) {
	clk.SetTime(time.Now())
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(t *testing.T, gr *supportaccessv1alpha1.SupportAccessGrant)
		// refused: the token stops working; otherwise the groups change to full access.
		refused bool
	}{
		{name: "revoke", refused: true, change: func(t *testing.T, gr *supportaccessv1alpha1.SupportAccessGrant) {
			gr.Spec.Revoked = true
			if err := k8s.Update(ctx, gr); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "delete", refused: true, change: func(t *testing.T, gr *supportaccessv1alpha1.SupportAccessGrant) {
			// The grant controller's finalizer would hold it; the deletion timestamp alone must bite.
			gr.Finalizers = []string{supportaccessv1alpha1.GrantFinalizer}
			if err := k8s.Update(ctx, gr); err != nil {
				t.Fatal(err)
			}
			if err := k8s.Delete(ctx, gr); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "access level", change: func(t *testing.T, gr *supportaccessv1alpha1.SupportAccessGrant) {
			gr.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
			if err := k8s.Update(ctx, gr); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := newNamespace(t)
			grant := issueGrant(t, ns, "g", nil)
			var token string
			g.Eventually(func() int {
				status, _, b := serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": grant.email, "password": grant.password})
				if status == http.StatusOK {
					token = b["token"].(string)
				}
				return status
			}, eventually, poll).Should(Equal(http.StatusOK))
			g.Expect(serviceA.review(t, token).Status.User.Groups).To(ContainElement(identity.GroupAccessLimited))

			cur := &supportaccessv1alpha1.SupportAccessGrant{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(grant.grant), cur)).To(Succeed())
			tt.change(t, cur)
			written := time.Now()
			g.Eventually(func() bool {
				r := serviceA.review(t, token)
				if tt.refused {
					return !r.Status.Authenticated
				}
				return r.Status.Authenticated && strings.Contains(strings.Join(r.Status.User.Groups, ","), identity.GroupAccessFull)
			}, eventually, poll).Should(BeTrue())
			took := time.Since(written)
			t.Logf("%s reached the token check %s after the API write returned", tt.name, took)
			g.Expect(took).To(BeNumerically("<=", 100*time.Millisecond))
		})
	}
}
