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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

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

func credentialsSecret(owner types.UID, typ corev1.SecretType, email string) *corev1.Secret {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "t-credentials", Namespace: "acme"},
		Type:       typ,
		Data: map[string][]byte{
			"email": []byte(email), "password": []byte("pw"), "expiresAt": []byte("2026-11-30T11:36:34Z"),
		},
	}
	if owner != "" {
		s.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: "supportaccess.io/v1alpha1", Kind: "SupportAccessGrant", Name: "t", UID: owner, Controller: ptr.To(true),
		}}
	}
	return s
}

// Only the Secret the grant controls is printed: anyone who may write Secrets in the namespace could
// have put another one of that name there.
func TestCredentialsOf(t *testing.T) {
	const email = "support-a@support.invalid"
	typ := corev1.SecretType(supportaccessv1alpha1.SecretTypeCredentials)
	for _, tc := range []struct {
		name    string
		secret  *corev1.Secret
		wantErr string
	}{
		{"the grant's", credentialsSecret("grant-uid", typ, email), ""},
		{"no owner", credentialsSecret("", typ, email), "is not the credentials Secret of grant \"t\""},
		{"another owner", credentialsSecret("other-uid", typ, email), "is not the credentials Secret of grant \"t\""},
		{"another type", credentialsSecret("grant-uid", corev1.SecretTypeOpaque, email), "is not the credentials Secret of grant \"t\""},
		{"older credentials", credentialsSecret("grant-uid", typ, "support-old@support.invalid"), "does not hold the grant's current credentials yet"},
		// status.secretName pointed at another Secret the tenant made to look like the grant's.
		{"another name", renamed(credentialsSecret("grant-uid", typ, email), "lookalike"), "is not the credentials Secret of grant \"t\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			creds, err := CredentialsOf(grantIn(supportaccessv1alpha1.GrantPhaseActive), tc.secret)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(*creds).To(Equal(Credentials{Grant: "t", Namespace: "acme", AccessLevel: "Limited",
				Email: email, Password: "pw", ExpiresAt: "2026-11-30T11:36:34Z"}))
		})
	}
}

func renamed(s *corev1.Secret, name string) *corev1.Secret {
	s.Name = name
	return s
}

// Only a web address is offered to support as the Login URL.
func TestCredentialsLoginURL(t *testing.T) {
	typ := corev1.SecretType(supportaccessv1alpha1.SecretTypeCredentials)
	for _, tc := range []struct{ stored, shown string }{
		{"https://app.example/.supportaccess/login", "https://app.example/.supportaccess/login"},
		{"http://localhost:8090/.supportaccess/login", "http://localhost:8090/.supportaccess/login"},
		{"javascript:alert(1)", ""},
		{"https://user:pw@evil.example/", ""},
		{"//evil.example/login", ""},
		{"not a url", ""},
	} {
		g := NewWithT(t)
		s := credentialsSecret("grant-uid", typ, "support-a@support.invalid")
		s.Data["loginURL"] = []byte(tc.stored)
		creds, err := CredentialsOf(grantIn(supportaccessv1alpha1.GrantPhaseActive), s)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(creds.LoginURL).To(Equal(tc.shown), tc.stored)
	}
}

func TestRenewalTime(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 600_000_000, time.FixedZone("CET", 3600))
	g.Expect(RenewalTime(now, nil)).To(Equal(time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)), "UTC, whole seconds")
	earlier := metav1.NewTime(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	g.Expect(RenewalTime(now, &earlier)).To(Equal(time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)))
	same := metav1.NewTime(time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC))
	g.Expect(RenewalTime(now, &same)).To(Equal(time.Date(2026, 11, 23, 11, 0, 1, 0, time.UTC)), "a changed renewedAt, or nothing is renewed")
}
