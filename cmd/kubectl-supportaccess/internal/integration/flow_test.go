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

package integration

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/sessioncache"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

// execCredential is the part of the token command's output kubectl reads.
type execCredential struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Status     struct {
		Token               string    `json:"token"`
		ExpirationTimestamp time.Time `json:"expirationTimestamp"`
	} `json:"status"`
}

// The whole journey: the account owner grants access and copies the credentials; support logs in,
// kubectl authenticates through the exec plugin; the owner renews, then revokes, and the plugin
// refuses with the way back (log in again) instead of a stale token.
func TestGrantLoginTokenRevoke(t *testing.T) {
	requireSuite(t)
	g := NewWithT(t)
	const ns, grant = "plugin-acme", "ticket-4711"
	createNamespace(t, g, ns)
	owner, support := newPerson(t), newPerson(t)

	// grant: waits for Active, prints the email and where the password is, never the password.
	r := owner.owner(ns, "grant", grant, "--access", "full", "--duration", "2h", "--reason", "Ticket #4711")
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring(`Grant "ticket-4711" created in namespace "plugin-acme": Full access for 2h.`))
	g.Expect(r.stdout).To(MatchRegexp(`Active until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.`))
	g.Expect(r.stdout).To(MatchRegexp(`Login email: support-[a-z0-9]+@` + loginDomain))
	g.Expect(r.stdout).To(ContainSubstring("kubectl supportaccess credentials ticket-4711 -n plugin-acme"))
	grantOutput := r.stdout

	r = owner.owner(ns, "grant", grant)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(Equal("Error: grant \"ticket-4711\" already exists in namespace \"plugin-acme\"\n"))

	// list
	r = owner.owner(ns, "list")
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(MatchRegexp(`^NAME\s+ACCESS\s+PHASE\s+LOGIN\s+EXPIRES\n`))
	g.Expect(r.stdout).To(MatchRegexp(`ticket-4711\s+Full\s+Active\s+support-[a-z0-9]+@support\.test\s+\d{4}-`))

	// credentials, as JSON and as text; a missing grant is named as such.
	r = owner.owner(ns, "credentials", grant, "-o", "json")
	g.Expect(r.code).To(Equal(0), r.stderr)
	var creds accountclient.Credentials
	g.Expect(json.Unmarshal([]byte(r.stdout), &creds)).To(Succeed(), r.stdout)
	g.Expect(creds.Email).To(HaveSuffix("@" + loginDomain))
	g.Expect(creds.Password).NotTo(BeEmpty())
	g.Expect(creds.AccessLevel).To(Equal("Full"))
	g.Expect(grantOutput).To(ContainSubstring(creds.Email))
	g.Expect(grantOutput).NotTo(ContainSubstring(creds.Password))
	r = owner.owner(ns, "credentials", grant)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(MatchRegexp(`Password:\s+` + creds.Password))
	r = owner.owner(ns, "credentials", "missing")
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(Equal("Error: grant \"missing\" not found in namespace \"plugin-acme\"\n"))

	// login with the password on stdin: the session is stored for this person only.
	who := []string{"--server", sut.authURL, "--email", creds.Email}
	r = support.run(creds.Password+"\n", append([]string{"login"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring(`Logged in as ` + creds.Email + `: Full access to account "plugin-acme" (grant ticket-4711).`))
	g.Expect(r.stdout + r.stderr).NotTo(ContainSubstring(creds.Password))
	kubeconfig := supportKubeconfig(t, g, r.stdout)
	info, err := os.Stat(sessioncache.Path(support.cacheDir(), sut.authURL, creds.Email))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))

	// token: a valid ExecCredential whose token the auth service accepts.
	r = support.run("", append([]string{"token"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	var cred execCredential
	g.Expect(json.Unmarshal([]byte(r.stdout), &cred)).To(Succeed(), r.stdout)
	g.Expect(cred.APIVersion).To(Equal("client.authentication.k8s.io/v1"))
	g.Expect(cred.Kind).To(Equal("ExecCredential"))
	g.Expect(cred.Status.Token).NotTo(BeEmpty())
	g.Expect(cred.Status.ExpirationTimestamp).To(BeTemporally(">", time.Now()))
	g.Expect(cred.Status.ExpirationTimestamp).To(BeTemporally("<=", time.Now().Add(2*time.Hour)))

	// kubectl, with the printed kubeconfig user, runs the built plugin and is the support user.
	r = support.kubectl(kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(Equal("supportaccess:" + creds.Email))

	// renew keeps the credentials of an Active grant.
	r = owner.owner(ns, "renew", grant)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring("The credentials are unchanged."))
	r = support.run("", append([]string{"token"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)

	// revoke: one way, said so; the plugin then refuses and says how to log in again.
	r = owner.owner(ns, "revoke", grant)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring("This cannot be undone"))
	var last result
	g.Eventually(func() int {
		last = support.run("", append([]string{"token"}, who...)...)
		return last.code
	}).WithTimeout(eventually).WithPolling(poll).Should(Equal(1), "token still hands out the session's token after revoke")
	g.Expect(last.stdout).To(BeEmpty())
	g.Expect(last.stderr).To(ContainSubstring("Log in again: kubectl supportaccess login --server " + sut.authURL + " --email " + creds.Email))
	_, err = os.Stat(sessioncache.Path(support.cacheDir(), sut.authURL, creds.Email))
	g.Expect(os.IsNotExist(err)).To(BeTrue(), "the dead session is removed from the cache")

	// kubectl shows the plugin's message too.
	r = support.kubectl(kubeconfig, "auth", "whoami")
	g.Expect(r.code).NotTo(Equal(0))
	g.Expect(r.stderr).To(ContainSubstring("kubectl supportaccess login --server " + sut.authURL))

	// Logging in again is refused: the grant is revoked.
	r = support.run(creds.Password+"\n", append([]string{"login"}, who...)...)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("failed: wrong email or password, or the grant's access has ended"))

	// The owner's commands on a revoked grant.
	r = owner.owner(ns, "credentials", grant)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring(`grant "ticket-4711" in namespace "plugin-acme" is Revoked`))
	r = owner.owner(ns, "renew", grant)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("is revoked and cannot be renewed"))
	r = owner.owner(ns, "revoke", grant)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring("already revoked"))

	checkNoLeak(t, g, creds.Password, cred.Status.Token)
}

// Logout ends the session on the server, not only in the cache.
func TestLogout(t *testing.T) {
	requireSuite(t)
	g := NewWithT(t)
	const ns = "plugin-logout"
	createNamespace(t, g, ns)
	owner, support := newPerson(t), newPerson(t)

	r := owner.owner(ns, "grant", "ticket-1", "--duration", "30m")
	g.Expect(r.code).To(Equal(0), r.stderr)
	r = owner.owner(ns, "credentials", "ticket-1", "-o", "yaml")
	g.Expect(r.code).To(Equal(0), r.stderr)
	email := yamlField(r.stdout, "email")
	password := yamlField(r.stdout, "password")
	who := []string{"--server", sut.authURL, "--email", email}

	r = support.run(password+"\n", append([]string{"login"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	r = support.run("", append([]string{"token"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	var cred execCredential
	g.Expect(json.Unmarshal([]byte(r.stdout), &cred)).To(Succeed())

	r = support.run("", append([]string{"logout"}, who...)...)
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring("Logged out " + email))

	// The token is dead on the server: put it back in the cache and ask.
	g.Expect(sessioncache.Save(support.cacheDir(), &sessioncache.Session{
		Server: sut.authURL, Email: email, Token: cred.Status.Token, ExpiresAt: cred.Status.ExpirationTimestamp,
	})).To(Succeed())
	r = support.run("", append([]string{"token"}, who...)...)
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(ContainSubstring("the session has ended"))

	checkNoLeak(t, g, password, cred.Status.Token)
}

// The account's session policy: shown with defaults, set with flags, refused client-side when the
// timeout is not one of the choices.
func TestPolicy(t *testing.T) {
	requireSuite(t)
	g := NewWithT(t)
	const ns = "plugin-policy"
	createNamespace(t, g, ns)
	owner := newPerson(t)

	r := owner.owner(ns, "policy")
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(MatchRegexp(`Policy:\s+none: the defaults apply`))
	g.Expect(r.stdout).To(MatchRegexp(`Inactivity timeout:\s+30m \(default\)`))

	r = owner.owner(ns, "policy", "--inactivity-timeout", "45m")
	g.Expect(r.code).To(Equal(1))
	g.Expect(r.stderr).To(Equal("Error: invalid --inactivity-timeout \"45m\": must be one of 15m, 30m, 1h, 2h, 4h, 8h, 12h\n"))

	r = owner.owner(ns, "policy", "--inactivity-timeout", "2h", "--max-grant-duration", "168h")
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring(`AccountSessionPolicy "session-policy" created in namespace "plugin-policy".`))
	g.Expect(r.stdout).To(MatchRegexp(`Inactivity timeout:\s+2h\n`))
	g.Expect(r.stdout).To(MatchRegexp(`Max grant duration:\s+168h\n`))
	g.Expect(r.stdout).To(MatchRegexp(`NIST SP 800-63B-4 AAL2:\s+no: inactivity timeout 2h is longer`))

	r = owner.owner(ns, "policy", "--inactivity-timeout", "60m")
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(ContainSubstring(`AccountSessionPolicy "session-policy" in namespace "plugin-policy" updated`))
	g.Expect(r.stdout).To(MatchRegexp(`Inactivity timeout:\s+1h\n`))
	g.Expect(r.stdout).To(MatchRegexp(`Max grant duration:\s+168h\n`), "fields not given are kept")
	g.Expect(r.stdout).To(MatchRegexp(`AAL2:\s+yes`))

	r = owner.owner(ns, "policy")
	g.Expect(r.code).To(Equal(0), r.stderr)
	g.Expect(r.stdout).To(MatchRegexp(`Policy:\s+session-policy\n`))
}

// yamlField reads a top-level "key: value" line of simple YAML.
func yamlField(doc, key string) string {
	for _, line := range strings.Split(doc, "\n") {
		if v, ok := strings.CutPrefix(line, key+": "); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// checkNoLeak fails if a password or token the test saw is in the manager's log
// (docs/reference.md#credentials-secret).
func checkNoLeak(t *testing.T, g Gomega, secrets ...string) {
	t.Helper()
	data, err := os.ReadFile(sut.managerLog)
	g.Expect(err).NotTo(HaveOccurred())
	for i, s := range secrets {
		g.Expect(strings.Contains(string(data), s)).To(BeFalse(), "secret #%d appears in the manager's log", i+1)
	}
}
