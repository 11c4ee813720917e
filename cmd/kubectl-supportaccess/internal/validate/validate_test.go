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

package validate

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

func TestGrantName(t *testing.T) {
	for _, tc := range []struct {
		desc, name, wantErr string
	}{
		{"plain", "ticket-4711", ""},
		{"dots", "a.b-c", ""},
		{"longest whose Secret name fits", strings.Repeat("a", 241), ""},
		{"upper case", "Ticket", `invalid grant name "Ticket": a lowercase RFC 1123 subdomain`},
		{"underscore", "ticket_1", `invalid grant name "ticket_1"`},
		{"empty", "", `invalid grant name ""`},
		{"Secret name would not fit", strings.Repeat("a", 242), "must be no more than 241 characters, so that its Secret"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			g := NewWithT(t)
			err := GrantName(tc.name)
			if tc.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
		})
	}
}

func TestAccessLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want supportaccessv1alpha1.AccessLevel
	}{
		{"limited", supportaccessv1alpha1.AccessLevelLimited},
		{"Limited", supportaccessv1alpha1.AccessLevelLimited},
		{"FULL", supportaccessv1alpha1.AccessLevelFull},
		{" full ", supportaccessv1alpha1.AccessLevelFull},
		{"admin", ""},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			g := NewWithT(t)
			got, err := AccessLevel(tc.in)
			if tc.want == "" {
				g.Expect(err).To(MatchError(`invalid --access "` + tc.in + `": must be limited (no personal data) or full (includes personal data)`))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestDurations(t *testing.T) {
	for _, tc := range []struct {
		name    string
		parse   func(string) (string, error)
		in      string
		want    string
		wantErr string
	}{
		{"grant default", GrantDuration, "168h", "168h", ""},
		{"grant minimum", GrantDuration, "15m", "15m", ""},
		{"grant normalised", GrantDuration, "90m", "1h30m", ""},
		{"grant Go spelling", GrantDuration, "168h0m0s", "168h", ""},
		{"grant too short", GrantDuration, "5m", "", `invalid --duration "5m": must be at least 15m`},
		{"grant days", GrantDuration, "7d", "", `invalid --duration "7d": not a duration: use hours, minutes and seconds, e.g. 168h for 7 days`},
		{"grant negative", GrantDuration, "-1h", "", `invalid --duration "-1h": must be at least 15m`},
		{"grant beyond the schema", GrantDuration, "100000h", "", `invalid --duration "100000h": must be at most 99999h`},
		{"grant empty", GrantDuration, "", "", `invalid --duration "": not a duration`},
		{"lifetime ok", MaxSessionLifetime, "12h", "12h", ""},
		{"lifetime too long", MaxSessionLifetime, "25h", "", `invalid --max-session-lifetime "25h": must be at most 24h`},
		{"lifetime too short", MaxSessionLifetime, "10m", "", `invalid --max-session-lifetime "10m": must be at least 15m`},
		{"max grant ok", MaxGrantDuration, "720h", "720h", ""},
		{"max grant too short", MaxGrantDuration, "1m", "", `invalid --max-grant-duration "1m": must be at least 15m`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := tc.parse(tc.in)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestInactivityTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want supportaccessv1alpha1.InactivityTimeout
	}{
		{"15m", supportaccessv1alpha1.InactivityTimeout15m},
		{"1h", supportaccessv1alpha1.InactivityTimeout1h},
		{"60m", supportaccessv1alpha1.InactivityTimeout1h},
		{"12h", supportaccessv1alpha1.InactivityTimeout12h},
		{"45m", ""},
		{"1d", ""},
		{"24h", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			g := NewWithT(t)
			got, err := InactivityTimeout(tc.in)
			if tc.want == "" {
				g.Expect(err).To(MatchError(`invalid --inactivity-timeout "` + tc.in + `": must be one of 15m, 30m, 1h, 2h, 4h, 8h, 12h`))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestReason(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Reason(strings.Repeat("x", 1024))).To(Succeed())
	g.Expect(Reason(strings.Repeat("x", 1025))).To(MatchError("invalid --reason: 1025 bytes long, must be at most 1024"))
}

func TestEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want, wantErr string
	}{
		{"support-abc@support.invalid", "support-abc@support.invalid", ""},
		{" Support-ABC@Support.Invalid ", "support-abc@support.invalid", ""},
		{"", "", "--email is required"},
		{"not-an-email", "", `invalid --email "not-an-email": must be a plain email address`},
		{"Name <a@b.c>", "", "must be a plain email address"},
		{strings.Repeat("a", 250) + "@b.cd", "", "must be at most 254 characters"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			g := NewWithT(t)
			got, err := Email(tc.in)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestOutput(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Output("json", "text", "json", "yaml")).To(Succeed())
	g.Expect(Output("wide", "text", "json", "yaml")).To(MatchError(`invalid --output "wide": must be one of text, json, yaml`))
}
