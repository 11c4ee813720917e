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
	"bytes"
	"encoding/json"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

func TestGrantTable(t *testing.T) {
	g := NewWithT(t)
	expires := metav1.NewTime(time.Date(2026, 11, 30, 11, 36, 34, 0, time.UTC))
	active := grantIn(supportaccessv1alpha1.GrantPhaseActive)
	active.Name, active.Status.ExpiresAt = "b-active", &expires
	pending := grantIn("")
	pending.Name, pending.Namespace, pending.Status.LoginEmail = "a-new", "zeta", ""
	grants := []supportaccessv1alpha1.SupportAccessGrant{*pending, *active}

	var out bytes.Buffer
	g.Expect(writeGrantTable(&out, grants, false)).To(Succeed())
	g.Expect(out.String()).To(Equal(
		"NAME       ACCESS    PHASE     LOGIN                       EXPIRES\n" +
			"b-active   Limited   Active    support-a@support.invalid   2026-11-30T11:36:34Z\n" +
			"a-new      Limited   Pending   <none>                      <none>\n"))

	out.Reset()
	g.Expect(writeGrantTable(&out, grants, true)).To(Succeed())
	g.Expect(out.String()).To(HavePrefix("NAMESPACE   NAME       ACCESS    PHASE     LOGIN"))
	g.Expect(out.String()).To(ContainSubstring("\nacme        b-active"))
}

func TestCredentialsFormats(t *testing.T) {
	g := NewWithT(t)
	creds := &accountclient.Credentials{Grant: "t", Namespace: "acme", AccessLevel: "Full", Email: "support-a@support.invalid",
		Password: "pw", ExpiresAt: "2026-11-30T11:36:34Z", LoginURL: "https://support.example.com/login"}

	var out bytes.Buffer
	g.Expect(writeCredentials(&out, creds, "text")).To(Succeed())
	g.Expect(out.String()).To(Equal("Email:      support-a@support.invalid\nPassword:   pw\nAccess:     Full\n" +
		"Expires:    2026-11-30T11:36:34Z\nLogin URL:  https://support.example.com/login\n"))

	for _, format := range []string{"json", "yaml"} {
		out.Reset()
		g.Expect(writeCredentials(&out, creds, format)).To(Succeed())
		var back accountclient.Credentials
		if format == "json" {
			g.Expect(json.Unmarshal(out.Bytes(), &back)).To(Succeed())
		} else {
			g.Expect(yaml.Unmarshal(out.Bytes(), &back)).To(Succeed())
		}
		g.Expect(back).To(Equal(*creds), format)
	}
}

func TestPolicyView(t *testing.T) {
	g := NewWithT(t)
	var out bytes.Buffer
	g.Expect(writePolicy(&out, "acme", nil)).To(Succeed())
	g.Expect(out.String()).To(ContainSubstring("Policy:                  none: the defaults apply"))
	g.Expect(out.String()).To(ContainSubstring("Inactivity timeout:      30m (default)"))
	g.Expect(out.String()).To(ContainSubstring("Max session lifetime:    12h (default)"))

	old := supportaccessv1alpha1.AccountSessionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "session-policy", CreationTimestamp: metav1.NewTime(time.Unix(100, 0))},
		Spec: supportaccessv1alpha1.AccountSessionPolicySpec{
			InactivityTimeout:  supportaccessv1alpha1.InactivityTimeout8h,
			MaxSessionLifetime: &metav1.Duration{Duration: 24 * time.Hour},
			MaxGrantDuration:   &metav1.Duration{Duration: 48 * time.Hour},
		},
	}
	newer := supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "late", CreationTimestamp: metav1.NewTime(time.Unix(200, 0))}}
	out.Reset()
	g.Expect(writePolicy(&out, "acme", []supportaccessv1alpha1.AccountSessionPolicy{newer, old})).To(Succeed())
	g.Expect(out.String()).To(ContainSubstring("Policy:                  session-policy\n"))
	g.Expect(out.String()).To(ContainSubstring("Inactivity timeout:      8h\n"))
	g.Expect(out.String()).To(ContainSubstring("Max session lifetime:    24h\n"))
	g.Expect(out.String()).To(ContainSubstring("Max grant duration:      48h\n"))
	g.Expect(out.String()).To(ContainSubstring("NIST SP 800-63B-4 AAL2:  no: inactivity timeout 8h is longer"))
	g.Expect(out.String()).To(ContainSubstring("Not in force:            late (only the oldest policy of an account applies; delete this one)"))
}
