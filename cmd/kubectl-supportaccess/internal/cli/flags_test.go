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
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// Every mistake in how a command is called fails before anything is sent anywhere (no cluster and
// no auth service exist in this test), with a message that names the flag or argument.
func TestBadArgumentsAndFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{"unknown command", []string{"frobnicate"}, []string{`unknown command "frobnicate" for "kubectl supportaccess"`}},
		{"grant without a name", []string{"grant"}, []string{"grant needs the grant's NAME: kubectl supportaccess grant NAME", "See 'kubectl supportaccess grant --help' for usage."}},
		{"grant with two names", []string{"grant", "a", "b"}, []string{"grant takes one NAME, got 2 arguments (a b)"}},
		{"grant with a bad name", []string{"grant", "Ticket_1"}, []string{`invalid grant name "Ticket_1"`}},
		{"grant with a bad access level", []string{"grant", "t", "--access", "admin"}, []string{`invalid --access "admin": must be limited (no personal data) or full (includes personal data)`}},
		{"grant in days", []string{"grant", "t", "--duration", "7d"}, []string{`invalid --duration "7d": not a duration`, "168h for 7 days"}},
		{"grant too short", []string{"grant", "t", "--duration", "5m"}, []string{`invalid --duration "5m": must be at least 15m`}},
		{"grant with a long reason", []string{"grant", "t", "--reason", strings.Repeat("r", 1025)}, []string{"invalid --reason: 1025 bytes long, must be at most 1024"}},
		{"grant with a negative wait", []string{"grant", "t", "--wait", "-1s"}, []string{"invalid --wait -1s: must not be negative"}},
		{"grant with a bad wait", []string{"grant", "t", "--wait", "soon"}, []string{`invalid argument "soon" for "--wait" flag`, "See 'kubectl supportaccess grant --help' for usage."}},
		{"grant with an unknown flag", []string{"grant", "t", "--bogus"}, []string{"unknown flag: --bogus", "See 'kubectl supportaccess grant --help' for usage."}},
		{"list with an argument", []string{"list", "acme"}, []string{`list takes no arguments, got "acme"`}},
		{"credentials in a bad format", []string{"credentials", "t", "-o", "wide"}, []string{`invalid --output "wide": must be one of text, json, yaml`}},
		{"credentials without a name", []string{"credentials"}, []string{"credentials needs the grant's NAME"}},
		{"revoke without a name", []string{"revoke"}, []string{"revoke needs the grant's NAME"}},
		{"renew with a bad name", []string{"renew", "UPPER"}, []string{`invalid grant name "UPPER"`}},
		{"renew with a negative wait", []string{"renew", "t", "--wait", "-5s"}, []string{"invalid --wait -5s: must not be negative"}},
		{"policy with a timeout not in the list", []string{"policy", "--inactivity-timeout", "45m"}, []string{`invalid --inactivity-timeout "45m": must be one of 15m, 30m, 1h, 2h, 4h, 8h, 12h`}},
		{"policy with too long a lifetime", []string{"policy", "--max-session-lifetime", "48h"}, []string{`invalid --max-session-lifetime "48h": must be at most 24h`}},
		{"policy with too short a grant cap", []string{"policy", "--max-grant-duration", "5m"}, []string{`invalid --max-grant-duration "5m": must be at least 15m`}},
		{"login without flags", []string{"login"}, []string{"--server is required"}},
		{"login without email", []string{"login", "--server", "https://auth.example.com"}, []string{"--email is required"}},
		{"login to a bare host", []string{"login", "--server", "auth.example.com", "--email", "a@b.c"}, []string{`invalid --server "auth.example.com": must be an http:// or https:// URL`}},
		{"login with a bad email", []string{"login", "--server", "https://auth.example.com", "--email", "support"}, []string{`invalid --email "support"`}},
		{"login with both TLS flags", []string{"login", "--server", "https://auth.example.com", "--email", "a@b.c", "--certificate-authority", "ca.pem", "--insecure-skip-tls-verify"}, []string{"--certificate-authority and --insecure-skip-tls-verify cannot be combined"}},
		{"token with TLS flags for http", []string{"token", "--server", "http://127.0.0.1:1", "--email", "a@b.c", "--insecure-skip-tls-verify"}, []string{"apply to https:// servers only"}},
		{"logout with an argument", []string{"logout", "now"}, []string{`logout takes no arguments, got "now"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := run(t, testEnv(t), "", tc.args...)
			g.Expect(r.code).To(Equal(1))
			g.Expect(r.stdout).To(BeEmpty())
			g.Expect(r.stderr).To(HavePrefix("Error: "))
			for _, want := range tc.wantErr {
				g.Expect(r.stderr).To(ContainSubstring(want))
			}
		})
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	g := NewWithT(t)
	r := run(t, testEnv(t), "", "--help")
	g.Expect(r.code).To(Equal(0))
	for _, c := range []string{"grant", "list", "credentials", "revoke", "renew", "policy", "login", "token", "logout"} {
		g.Expect(r.stdout).To(MatchRegexp(`(?m)^  `+c+` `), "help lists %s", c)
	}
	g.Expect(r.stdout).To(ContainSubstring("kubectl supportaccess [command]"))
}

// The account owners' commands take kubectl's kubeconfig flags; the support staff's do not (their
// --server is the auth service's).
func TestClusterFlagsOnOwnerCommandsOnly(t *testing.T) {
	g := NewWithT(t)
	root := NewRootCommand(testEnv(t))
	for _, name := range []string{"grant", "list", "credentials", "revoke", "renew", "policy"} {
		c, _, err := root.Find([]string{name})
		g.Expect(err).NotTo(HaveOccurred())
		for _, flag := range []string{"kubeconfig", "context", "namespace", "as"} {
			g.Expect(c.Flags().Lookup(flag)).NotTo(BeNil(), "%s --%s", name, flag)
		}
		g.Expect(c.Flags().ShorthandLookup("n")).NotTo(BeNil(), "%s -n", name)
	}
	for _, name := range []string{"login", "token", "logout"} {
		c, _, err := root.Find([]string{name})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(c.Flags().Lookup("kubeconfig")).To(BeNil(), "%s --kubeconfig", name)
		g.Expect(c.Flags().Lookup("server").Usage).To(ContainSubstring("auth service"))
	}
}
