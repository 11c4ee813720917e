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
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// The supportaccess.io labels of a session Lease (internal/session's Labels).
const (
	labelGrant       = "supportaccess.io/grant"
	labelComponent   = "supportaccess.io/component"
	componentSession = "session"
)

// mustKubectl runs the pinned kubectl as the platform admin, with stdin when not empty, and
// expects it to succeed; it returns the output.
func mustKubectl(ctx context.Context, g Gomega, stdin string, args ...string) string {
	r := env.Kubectl(ctx, env.Cluster.KubeconfigPath, "", stdin, args...)
	g.ExpectWithOffset(1, r.Err).NotTo(HaveOccurred(), "kubectl %s\n%s", strings.Join(args, " "), r)
	return r.Stdout
}

// grant is a support grant of the tests, with the credentials its Secret holds.
type grant struct {
	account, name, level string
	email, password      string
}

// newGrant creates a grant of level (Limited or Full) in account, waits until it is Active and
// reads its credentials from the Secret as the account admin's "copy credentials" does. The
// password is remembered for the leak check; the grant is deleted after the test.
func newGrant(t *testing.T, account, name, level string) grant {
	t.Helper()
	requireRig(t)
	g := NewWithT(t)
	ctx := t.Context()
	mustKubectl(ctx, g, `apiVersion: supportaccess.io/v1alpha1
kind: SupportAccessGrant
metadata:
  name: `+name+`
  namespace: `+account+`
spec:
  accessLevel: `+level+`
  duration: 1h
  reason: browser test
`, "apply", "-f", "-")
	t.Cleanup(func() {
		// t.Context() is already cancelled in cleanups.
		_ = env.Kubectl(context.Background(), env.Cluster.KubeconfigPath, "", "",
			"delete", "sag", name, "-n", account, "--wait=false", "--ignore-not-found")
	})
	var secret string
	g.Eventually(func(g Gomega) {
		out := mustKubectl(ctx, g, "", "get", "sag", name, "-n", account, "-o", "jsonpath={.status.phase} {.status.secretName}")
		phase, secretName, _ := strings.Cut(out, " ")
		g.Expect(phase).To(Equal("Active"), "grant %s/%s", account, name)
		g.Expect(secretName).NotTo(BeEmpty(), "grant %s/%s has no status.secretName", account, name)
		secret = secretName
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())
	decode := func(key string) string {
		encoded := mustKubectl(ctx, g, "", "get", "secret", secret, "-n", account, "-o", "jsonpath={.data."+key+"}")
		value, err := base64.StdEncoding.DecodeString(encoded)
		g.ExpectWithOffset(2, err).NotTo(HaveOccurred(), "Secret %s/%s key %s", account, secret, key)
		g.ExpectWithOffset(2, value).NotTo(BeEmpty(), "Secret %s/%s key %s", account, secret, key)
		return string(value)
	}
	gr := grant{account: account, name: name, level: level, email: decode("email"), password: decode("password")}
	env.Secrets.RememberPassword("a browser test grant's", gr.password)
	return gr
}

// revoke sets spec.revoked as `kubectl supportaccess revoke` does.
func (gr grant) revoke(ctx context.Context, g Gomega) {
	mustKubectl(ctx, g, "", "patch", "sag", gr.name, "-n", gr.account, "--type", "merge", "-p", `{"spec":{"revoked":true}}`)
}

// sessionSelector selects the grant's session Leases.
func (gr grant) sessionSelector() string {
	return labelGrant + "=" + gr.name + "," + labelComponent + "=" + componentSession
}

// deleteSessions deletes the grant's session Leases, as an admin's "kill session" does.
func (gr grant) deleteSessions(ctx context.Context, g Gomega) {
	out := mustKubectl(ctx, g, "", "delete", "lease", "-n", gr.account, "-l", gr.sessionSelector())
	g.ExpectWithOffset(1, out).To(ContainSubstring("deleted"), "the grant %s has no session Lease to delete", gr.name)
}

// sessionRenewTime is the spec.renewTime of the grant's one session Lease: its last activity as
// flushed to the API (docs/reference.md#debounced-writes).
func (gr grant) sessionRenewTime(ctx context.Context, g Gomega) time.Time {
	out := mustKubectl(ctx, g, "", "get", "lease", "-n", gr.account, "-l", gr.sessionSelector(),
		"-o", "jsonpath={.items[*].spec.renewTime}")
	fields := strings.Fields(out)
	g.ExpectWithOffset(1, fields).To(HaveLen(1), "the grant %s should have exactly one session Lease", gr.name)
	at, err := time.Parse(time.RFC3339Nano, fields[0])
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "the session Lease's spec.renewTime")
	return at
}
