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
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

func grantIn(phase supportaccessv1alpha1.GrantPhase, conditions ...metav1.Condition) *supportaccessv1alpha1.SupportAccessGrant {
	return &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Name: "t", Namespace: "acme", UID: types.UID("grant-uid")},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{AccessLevel: supportaccessv1alpha1.AccessLevelLimited},
		Status: supportaccessv1alpha1.SupportAccessGrantStatus{
			Phase: phase, Conditions: conditions, LoginEmail: "support-a@support.invalid", SecretName: "t-credentials",
		},
	}
}

func TestNotActiveError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		grant   *supportaccessv1alpha1.SupportAccessGrant
		wantErr string
	}{
		{"active", grantIn(supportaccessv1alpha1.GrantPhaseActive), ""},
		{"revoked", grantIn(supportaccessv1alpha1.GrantPhaseRevoked), `grant "t" in namespace "acme" is Revoked: its credentials are deleted for good; to give access again, create a new grant`},
		{"expired", grantIn(supportaccessv1alpha1.GrantPhaseExpired), `is Expired: its credentials are deleted; renew it for fresh ones: kubectl supportaccess renew t -n acme`},
		{"not seen yet", grantIn(""), `is not Active (phase Pending): the operator has not issued credentials yet`},
		{"secret conflict", grantIn(supportaccessv1alpha1.GrantPhasePending, metav1.Condition{
			Type: supportaccessv1alpha1.ConditionReady, Status: metav1.ConditionFalse,
			Reason: supportaccessv1alpha1.ReasonSecretConflict, Message: "Secret acme/t-credentials exists and is not owned by this grant",
		}), `is not Active (phase Pending): SecretConflict: Secret acme/t-credentials exists and is not owned by this grant`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := notActiveError(tc.grant)
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
		})
	}
}
