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
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// The pure helpers of format.go and periods.go.

func TestCountdown(t *testing.T) {
	for _, tc := range []struct {
		left time.Duration
		want string
	}{
		{-time.Hour, "expired"},
		{0, "expired"},
		{500 * time.Millisecond, "0m 0s"},
		{59*time.Second + 999*time.Millisecond, "0m 59s"},
		{61 * time.Second, "1m 1s"},
		{59*time.Minute + 59*time.Second, "59m 59s"},
		{time.Hour, "1h 0m 0s"},
		{time.Hour + time.Minute + time.Second + 999*time.Millisecond, "1h 1m 1s"},
		{23*time.Hour + 59*time.Minute + 59*time.Second, "23h 59m 59s"},
		{24 * time.Hour, "1d 0h 0m"},
		{50*time.Hour + 30*time.Minute + 59*time.Second, "2d 2h 30m"},
		{168 * time.Hour, "7d 0h 0m"},
		{720 * time.Hour, "30d 0h 0m"},
	} {
		t.Run(tc.left.String(), func(t *testing.T) {
			NewWithT(t).Expect(countdown(tc.left)).To(Equal(tc.want))
		})
	}
}

func TestTimeoutLabel(t *testing.T) {
	for _, tc := range []struct {
		t    supportaccessv1alpha1.InactivityTimeout
		want string
	}{
		{supportaccessv1alpha1.InactivityTimeout15m, "15 minutes"},
		{supportaccessv1alpha1.InactivityTimeout30m, "30 minutes"},
		{supportaccessv1alpha1.InactivityTimeout1h, "1 hour"},
		{supportaccessv1alpha1.InactivityTimeout2h, "2 hours"},
		{supportaccessv1alpha1.InactivityTimeout12h, "12 hours"},
		{"45m", "45m"}, // not a choice: as written
		{"", ""},
	} {
		NewWithT(t).Expect(timeoutLabel(tc.t)).To(Equal(tc.want), string(tc.t))
	}
}

func TestStamp(t *testing.T) {
	g := NewWithT(t)
	g.Expect(stamp(time.Time{})).To(Equal("never"))
	g.Expect(stamp(time.Date(2026, 11, 23, 12, 30, 5, 999, time.FixedZone("CET", 3600)))).To(Equal("2026-11-23 11:30:05 UTC"))
}

func TestPeriodsFor(t *testing.T) {
	const (
		byAccount72h  = "longer than this account allows (72h, its policy's maxGrantDuration)"
		byOperator24h = "longer than the operator allows (24h)"
	)
	for _, tc := range []struct {
		name        string
		account     time.Duration // the policy's maxGrantDuration; 0: unset
		operatorMax time.Duration // 0: unknown (the plugin)
		selected    string
		disabled    map[string]string // value: reason; the others are allowed
	}{
		{name: "no limits: 7 days", selected: "168h"},
		{name: "operator's 30 days: 7 days", operatorMax: 720 * time.Hour, selected: "168h"},
		{
			name: "account 72h: 3 days, longer ones disabled", account: 72 * time.Hour, selected: "72h",
			disabled: map[string]string{"168h": byAccount72h, "336h": byAccount72h, "720h": byAccount72h},
		},
		{
			name: "operator 24h: 1 day, longer ones disabled", operatorMax: 24 * time.Hour, selected: "24h",
			disabled: map[string]string{"72h": byOperator24h, "168h": byOperator24h, "336h": byOperator24h, "720h": byOperator24h},
		},
		{
			name: "account 72h, operator 24h: the stricter applies", account: 72 * time.Hour, operatorMax: 24 * time.Hour, selected: "24h",
			disabled: map[string]string{"72h": byOperator24h, "168h": byAccount72h, "336h": byAccount72h, "720h": byAccount72h},
		},
		{
			name: "account 14 days: still 7 days", account: 336 * time.Hour, selected: "168h",
			disabled: map[string]string{"720h": "longer than this account allows (336h, its policy's maxGrantDuration)"},
		},
		{
			name: "account 90m: 1 hour", account: 90 * time.Minute, selected: "1h",
			disabled: map[string]string{
				"8h": "longer than this account allows (1h30m, its policy's maxGrantDuration)", "24h": "longer than this account allows (1h30m, its policy's maxGrantDuration)",
				"72h": "longer than this account allows (1h30m, its policy's maxGrantDuration)", "168h": "longer than this account allows (1h30m, its policy's maxGrantDuration)",
				"336h": "longer than this account allows (1h30m, its policy's maxGrantDuration)", "720h": "longer than this account allows (1h30m, its policy's maxGrantDuration)",
			},
		},
		{
			name: "account 30m: nothing fits, nothing selected", account: 30 * time.Minute, selected: "",
			disabled: func() map[string]string {
				m := map[string]string{}
				for _, p := range validityPeriods {
					m[p.Value] = "longer than this account allows (30m, its policy's maxGrantDuration)"
				}
				return m
			}(),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			s := policy.Defaults()
			s.MaxGrantDuration = tc.account
			got := periodsFor(s, tc.operatorMax)
			g.Expect(got).To(HaveLen(len(validityPeriods)))
			selected := ""
			for i, p := range got {
				g.Expect(p.Value).To(Equal(validityPeriods[i].Value), "in the order offered")
				g.Expect(p.Label).To(Equal(validityPeriods[i].Label))
				g.Expect(p.Disabled).To(Equal(tc.disabled[p.Value]), p.Value)
				if p.Selected {
					g.Expect(selected).To(BeEmpty(), "one choice selected")
					g.Expect(p.Disabled).To(BeEmpty(), "a disabled choice is never selected")
					selected = p.Value
				}
			}
			g.Expect(selected).To(Equal(tc.selected))
			g.Expect(anyPeriodAllowed(got)).To(Equal(tc.selected != ""))
		})
	}
}

func TestAllowedPeriod(t *testing.T) {
	g := NewWithT(t)
	for _, p := range validityPeriods {
		g.Expect(allowedPeriod(p.Value)).To(BeTrue(), p.Value)
	}
	for _, v := range []string{"", "168h0m0s", "7d", "2h", "-1h", "1000h"} {
		g.Expect(allowedPeriod(v)).To(BeFalse(), v)
	}
	g.Expect(validityPeriods).To(ContainElement(HaveField("Value", supportaccessv1alpha1.DefaultGrantDuration)))
}

// No user and no account can take every live stream: bounds per user and per account below the
// bound in all.
func TestStreamCounter(t *testing.T) {
	g := NewWithT(t)
	var s streamCounter
	for range maxLiveStreamsPerUser {
		g.Expect(s.acquire("a", "acme")).To(BeTrue())
	}
	g.Expect(s.acquire("a", "acme")).To(BeFalse(), "a user past their bound")
	g.Expect(s.acquire("a", "globex")).To(BeFalse(), "a user past their bound, in any account")
	for i := s.byNamespace["acme"]; i < maxLiveStreamsPerNamespace; i++ {
		g.Expect(s.acquire(fmt.Sprintf("user-%d", i), "acme")).To(BeTrue())
	}
	g.Expect(s.acquire("b", "acme")).To(BeFalse(), "an account past its bound")
	g.Expect(s.acquire("b", "globex")).To(BeTrue(), "another account is not blocked by the first")
	s.release("a", "acme")
	g.Expect(s.acquire("a", "globex")).To(BeTrue(), "a released stream frees a place")
	for i := 0; s.total < maxLiveStreams; i++ {
		g.Expect(s.acquire(fmt.Sprintf("user-%d", i), fmt.Sprintf("ns-%d", i))).To(BeTrue())
	}
	g.Expect(s.acquire("c", "initech")).To(BeFalse(), "the bound in all")
	s.release("b", "globex")
	s.release("a", "globex")
	g.Expect(s.byNamespace).NotTo(HaveKey("globex"), "accounts without a stream are forgotten")
}

// A page's version ignores the time (a countdown ticks on every read) and nothing else.
func TestPageVersion(t *testing.T) {
	g := NewWithT(t)
	page := func(now time.Time, phase string) *accountPage {
		return &accountPage{Namespace: "acme", Now: now, Live: []grantView{{Name: "g", Phase: phase, Countdown: countdown(time.Hour - time.Duration(now.Second())*time.Second)}}}
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	g.Expect(page(t0, "Active").version()).To(Equal(page(t0.Add(7*time.Second), "Active").version()), "only the time moved")
	g.Expect(page(t0, "Active").version()).NotTo(Equal(page(t0, "Revoked").version()), "the grant changed")
	g.Expect(page(t0, "Active").version()).To(HaveLen(32))
}
