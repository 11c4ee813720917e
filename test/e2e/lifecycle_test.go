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

package e2e

// TestLifecycle follows one grant, in an account of its own, through everything that happens to
// its credentials: issue, login, failed logins up to the throttle, renewal while Active, expiry,
// and renewal once Expired. Every password, token and hash it sees is remembered, the wrong
// passwords too, so the suite's leak check (e2esuite's CheckNoLeaks) covers the whole lifecycle.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

// The auth service's login throttle, which the manager runs with its defaults (internal/auth:
// setup.go's limiters, login.go's failureBurst).
const (
	// maxLoginFailures failed logins per email, and per client address, within throttleWindow
	// (sliding) make the next attempt a 429.
	maxLoginFailures = 10
	throttleWindow   = 15 * time.Minute
	// loginFailureBurst failures for one grant's email raise one LoginFailures warning event.
	loginFailureBurst = 5
)

// loginPoll paces logins polled until the auth service knows new credentials: each early attempt
// is a failure that counts against the client address's budget (maxLoginFailures), so a few
// seconds of watch lag may pass before that runs out. It is normally the first attempt that works.
const loginPoll = 250 * time.Millisecond

// The client addresses of TestLifecycle (see e2esuite.ClientFrom): support staff's, and two
// attackers'.
const (
	supportAddress        = "127.0.0.4"
	attackerAddress       = "127.0.0.2"
	secondAttackerAddress = "127.0.0.3"
)

// tokenChecks ask the auth service about a session token the two ways its clients do: as
// kube-apiserver (TokenReview) and as an HTTP gateway (GET /v1/session). Each returns the user's
// name when the token is valid and "" when it is refused, and an error for any other answer.
var tokenChecks = []struct {
	name  string
	check func(ctx context.Context, token string) (string, error)
}{
	{"TokenReview", func(ctx context.Context, token string) (string, error) {
		status, err := e2e.TokenReview(ctx, token)
		if err != nil || !status.Authenticated {
			return "", err
		}
		return status.User.Username, nil
	}},
	{"GET /v1/session", func(ctx context.Context, token string) (string, error) {
		return e2e.SessionUser(ctx, token)
	}},
}

// expectToken expects every token check to answer user for token ("" meaning refused).
func expectToken(ctx context.Context, g Gomega, token, user string) {
	for _, c := range tokenChecks {
		got, err := c.check(ctx, token)
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), c.name)
		g.ExpectWithOffset(1, got).To(Equal(user), "%s of the token", c.name)
	}
}

// wrongPassword is a failed login's password, and why it is wrong.
type wrongPassword struct{ name, password string }

// nearMisses are wrong passwords for password that a person could type or paste: one character
// off, one edit away, or the right password in the wrong form.
func nearMisses(password string) []wrongPassword {
	edit := func(f func(b []byte) []byte) string { return string(f([]byte(password))) }
	// changed replaces the character at i with a digit of the password alphabet: never the same
	// character, and never what swapping a letter's case makes.
	changed := func(i int) string {
		return edit(func(b []byte) []byte {
			if b[i] == '2' {
				b[i] = '3'
			} else {
				b[i] = '2'
			}
			return b
		})
	}
	return []wrongPassword{
		{"first character changed", changed(0)},
		{"a character in the middle changed", changed(len(password) / 2)},
		{"last character changed", changed(len(password) - 1)},
		{"one letter's case swapped", edit(func(b []byte) []byte {
			for i, c := range b {
				if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
					b[i] = c ^ 0x20
					break
				}
			}
			return b
		})},
		{"two neighbours transposed", edit(func(b []byte) []byte {
			for i := 1; i < len(b); i++ {
				if b[i-1] != b[i] {
					b[i-1], b[i] = b[i], b[i-1]
					break
				}
			}
			return b
		})},
		{"last character dropped", password[:len(password)-1]},
		{"one character appended", password + "x"},
		{"pasted with a leading space", " " + password},
		{"pasted with a trailing newline", password + "\n"},
		{"copied base64-encoded from the Secret's data", base64.StdEncoding.EncodeToString([]byte(password))},
	}
}

// TestLifecycle: issue, login, failed logins and the throttle, renewal while Active, expiry, and
// renewal once Expired, driven as users do (kubectl apply and patch, HTTP to the auth service).
func TestLifecycle(t *testing.T) {
	ctx := t.Context()
	const namespace, grant, duration = "e2e-lifecycle", "e2e-lifecycle-grant", time.Hour
	applyNamespace(t, NewWithT(t), namespace)
	support := e2esuite.ClientFrom(t, supportAddress)

	grantField := func(g Gomega, jsonpath string) string {
		return mustKubectl(ctx, g, "", "get", "sag", grant, "-n", namespace, "-o", "jsonpath="+jsonpath)
	}
	phase := func(g Gomega) string { return grantField(g, "{.status.phase}") }
	expiresAt := func(g Gomega) time.Time {
		at, err := time.Parse(time.RFC3339, grantField(g, "{.status.expiresAt}"))
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "status.expiresAt")
		return at
	}
	// renew sets spec.renewedAt as a platform engineer does, which restarts the validity window.
	renew := func(g Gomega, at time.Time) {
		mustKubectl(ctx, g, "", "patch", "sag", grant, "-n", namespace, "--type", "merge",
			"-p", fmt.Sprintf(`{"spec":{"renewedAt":%q}}`, at.UTC().Format(time.RFC3339)))
	}
	owned := func(g Gomega, kind string) string {
		return mustKubectl(ctx, g, "", "get", kind, "-n", namespace, "-l", "supportaccess.io/grant="+grant, "-o", "name")
	}
	secretName := grant + "-credentials" // the default spec.secretName
	loginAs := func(g Gomega, client *http.Client, email, password string) loginReply {
		reply, err := loginFrom(ctx, client, email, password)
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
		return reply
	}

	// What one step hands the next.
	var email, password, token string

	if !t.Run("issue", func(t *testing.T) {
		g := NewWithT(t)
		mustKubectl(ctx, g, grantManifest(namespace, grant, duration.String()), "apply", "-f", "-")
		g.Eventually(phase).WithTimeout(eventually).WithPolling(poll).Should(Equal("Active"))
		g.Expect(owned(g, "rolebindings")).NotTo(BeEmpty())
		email, password = credentials(ctx, g, namespace, grant)
		g.Expect(email).To(HaveSuffix("@" + e2esuite.LoginDomain))
		g.Expect(grantField(g, "{.status.loginEmail}")).To(Equal(email))
		g.Eventually(func(g Gomega) []event {
			return eventsAbout(ctx, g, namespace, grant, "Issued")
		}).WithTimeout(eventually).WithPolling(poll).Should(ContainElement(HaveField("Message", ContainSubstring(email))))
	}) {
		return
	}

	if !t.Run("login", func(t *testing.T) {
		g := NewWithT(t)
		var reply loginReply
		g.Eventually(func(g Gomega) int {
			reply = loginAs(g, support, email, password)
			return reply.Status
		}).WithTimeout(eventually).WithPolling(loginPoll).Should(Equal(http.StatusOK), func() string { return "login: " + string(reply.Body) })
		token = reply.Session.Token
		g.Expect(token).NotTo(BeEmpty())
		g.Expect(reply.Session.Grant).To(Equal(grant))
		g.Expect(reply.Session.Account).To(Equal(namespace))
		g.Expect(reply.Session.ExpiresAt).To(BeTemporally("==", expiresAt(g)))
		expectToken(ctx, g, token, "supportaccess:"+email)
	}) {
		return
	}

	if !t.Run("failed logins", func(t *testing.T) {
		g := NewWithT(t)
		attacker, secondAttacker := e2esuite.ClientFrom(t, attackerAddress), e2esuite.ClientFrom(t, secondAttackerAddress)
		misses := nearMisses(password)
		// nearMisses covers the throttle's budget exactly: each of them is a 401, the next a 429.
		g.Expect(misses).To(HaveLen(maxLoginFailures))
		began := time.Now()

		var unauthorized string // the body of the first 401: every other must be the same
		for i, miss := range misses {
			// A failed attempt's password must not be logged any more than the right one.
			e2e.Secrets.RememberPassword("a tried", miss.password)
			g.Expect(miss.password).NotTo(Equal(password), miss.name)
			reply := loginAs(g, attacker, email, miss.password)
			g.Expect(reply.Status).To(Equal(http.StatusUnauthorized), "attempt %d (%s): %s", i+1, miss.name, reply.Body)
			if i == 0 {
				unauthorized = string(reply.Body)
			}
			g.Expect(string(reply.Body)).To(Equal(unauthorized), "attempt %d (%s): same answer whatever was wrong", i+1, miss.name)
		}

		// Now throttled: the attacker's address even with the right password, and the email from
		// another address; both with how long to wait, which the last failure's window decides.
		retryAfter := func(g Gomega, reply loginReply) time.Duration {
			secs, err := strconv.Atoi(reply.Header.Get("Retry-After"))
			g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "Retry-After %q", reply.Header.Get("Retry-After"))
			return time.Duration(secs) * time.Second
		}
		for _, c := range []struct {
			name     string
			client   *http.Client
			password string
		}{
			{"the right password from the throttled address", attacker, password},
			{"a wrong password for the throttled email from a fresh address", secondAttacker, "not-" + password},
		} {
			e2e.Secrets.RememberPassword("a tried", c.password)
			reply := loginAs(g, c.client, email, c.password)
			g.Expect(reply.Status).To(Equal(http.StatusTooManyRequests), "%s: %s", c.name, reply.Body)
			g.Expect(retryAfter(g, reply)).To(And(
				BeNumerically("<=", throttleWindow),
				// Rounded up to whole seconds, so never less than what is left of the window.
				BeNumerically(">=", throttleWindow-time.Since(began)),
			), c.name)
		}

		// The burst reached security reviewers, once, naming the email and the latest address.
		g.Eventually(func(g Gomega) []event {
			return eventsAbout(ctx, g, namespace, grant, "LoginFailures")
		}).WithTimeout(eventually).WithPolling(poll).Should(ConsistOf(And(
			HaveField("Type", "Warning"),
			HaveField("Message", And(
				ContainSubstring(fmt.Sprintf("%d failed logins for %s", loginFailureBurst, email)),
				ContainSubstring(attackerAddress),
			)),
		)))

		// Whoever floods an email with wrong passwords does not lock its support user out: the
		// right password from an address in good standing still logs in, and the session is valid.
		reply := loginAs(g, support, email, password)
		g.Expect(reply.Status).To(Equal(http.StatusOK), "support's login while the email is throttled: %s", reply.Body)
		expectToken(ctx, g, reply.Session.Token, "supportaccess:"+email)
	}) {
		return
	}

	if !t.Run("renew while Active", func(t *testing.T) {
		g := NewWithT(t)
		before := expiresAt(g)
		// The next whole second: the API keeps times to the second, and a renewal within the
		// grant's first second would not move its window.
		renewedAt := time.Now().Truncate(time.Second).Add(time.Second)
		renew(g, renewedAt)
		want := renewedAt.Add(duration)
		g.Eventually(expiresAt).WithTimeout(eventually).WithPolling(poll).Should(BeTemporally("==", want))
		g.Expect(want).To(BeTemporally(">", before))
		g.Expect(phase(g)).To(Equal("Active"))

		// The same credentials, which still log in; the session from before carries on, and its
		// end moves with the window once the auth service has seen the renewal.
		renewedEmail, renewedPassword := credentials(ctx, g, namespace, grant)
		g.Expect(renewedEmail).To(Equal(email))
		g.Expect(renewedPassword).To(Equal(password), "renewal of an Active grant keeps the password")
		reply := loginAs(g, support, email, password)
		g.Expect(reply.Status).To(Equal(http.StatusOK), "login after renewal: %s", reply.Body)
		g.Eventually(func() (time.Time, error) {
			status, body, err := e2e.AuthRequest(ctx, http.MethodGet, "/v1/session", token)
			if err != nil || status != http.StatusOK {
				return time.Time{}, fmt.Errorf("GET /v1/session: status %d, %v: %s", status, err, body)
			}
			var session struct {
				ExpiresAt time.Time `json:"expiresAt"`
			}
			return session.ExpiresAt, json.Unmarshal(body, &session)
		}).WithTimeout(eventually).WithPolling(poll).Should(BeTemporally("==", want))
		expectToken(ctx, g, token, "supportaccess:"+email)

		g.Eventually(func(g Gomega) []event {
			return eventsAbout(ctx, g, namespace, grant, "Renewed")
		}).WithTimeout(eventually).WithPolling(poll).Should(ContainElement(HaveField("Message",
			And(ContainSubstring(email), ContainSubstring(want.UTC().Format(time.RFC3339))))))
	}) {
		return
	}

	if !t.Run("expire", func(t *testing.T) {
		g := NewWithT(t)
		// A window that started duration-4s ago ends in about 4 s (the minimum duration is 15m,
		// so a short grant is an old renewal); renewedAt may be anywhere in the past.
		renewedAt := time.Now().Truncate(time.Second).Add(-duration + 4*time.Second)
		renew(g, renewedAt)
		end := renewedAt.Add(duration)
		g.Eventually(expiresAt).WithTimeout(eventually).WithPolling(poll).Should(BeTemporally("==", end))

		g.Eventually(func(g Gomega) {
			g.Expect(phase(g)).To(Equal("Expired"))
			g.Expect(mustKubectl(ctx, g, "", "get", "secret", secretName, "-n", namespace, "--ignore-not-found", "-o", "name")).To(BeEmpty())
			g.Expect(owned(g, "rolebindings")).To(BeEmpty())
			g.Expect(owned(g, "leases")).To(BeEmpty(), "the sessions' Leases")
		}).WithTimeout(time.Until(end) + eventually).WithPolling(poll).Should(Succeed())
		t.Logf("expired: phase, Secret, RoleBinding and sessions gone %s after expiresAt", time.Since(end).Round(time.Millisecond))
		g.Expect(time.Now()).To(BeTemporally(">=", end))
		g.Expect(grantField(g, `{.status.conditions[?(@.type=="Ready")].reason}`)).To(Equal("Expired"))
		g.Eventually(func(g Gomega) []event {
			return eventsAbout(ctx, g, namespace, grant, "Expired")
		}).WithTimeout(eventually).WithPolling(poll).Should(ContainElement(HaveField("Message", ContainSubstring(end.UTC().Format(time.RFC3339)))))

		// Past expiresAt the auth service refuses at once, without waiting for anything.
		expectToken(ctx, g, token, "")
		reply := loginAs(g, support, email, password)
		g.Expect(reply.Status).To(Equal(http.StatusUnauthorized), "the old password after expiry: %s", reply.Body)
	}) {
		return
	}

	t.Run("renew once Expired", func(t *testing.T) {
		g := NewWithT(t)
		renew(g, time.Now())
		// Fresh credentials (an old password never comes back:
		// docs/reference.md#validity-window-and-renewal), in the same Secret name.
		var newEmail, newPassword string
		g.Eventually(func(g Gomega) {
			g.Expect(phase(g)).To(Equal("Active"))
			g.Expect(grantField(g, "{.status.loginEmail}")).NotTo(BeElementOf("", email))
			newEmail, newPassword = credentials(ctx, g, namespace, grant)
		}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())
		g.Expect(newEmail).NotTo(Equal(email))
		g.Expect(newEmail).To(HaveSuffix("@" + e2esuite.LoginDomain))
		g.Expect(newPassword).NotTo(Equal(password))
		g.Expect(grantField(g, "{.status.loginEmail}")).To(Equal(newEmail))
		g.Expect(grantField(g, "{.status.secretName}")).To(Equal(secretName))
		g.Expect(owned(g, "rolebindings")).NotTo(BeEmpty())
		g.Eventually(func(g Gomega) []event {
			return eventsAbout(ctx, g, namespace, grant, "Renewed")
		}).WithTimeout(eventually).WithPolling(poll).Should(ContainElement(HaveField("Message", ContainSubstring("fresh credentials for "+newEmail))))

		// The new pair logs in once the auth service has seen it (its watch); then nothing old
		// does, in any combination.
		var reply loginReply
		g.Eventually(func(g Gomega) int {
			reply = loginAs(g, support, newEmail, newPassword)
			return reply.Status
		}).WithTimeout(eventually).WithPolling(loginPoll).Should(Equal(http.StatusOK), func() string { return "login: " + string(reply.Body) })
		for _, c := range []struct {
			name            string
			email, password string
		}{
			{"the old credentials", email, password},
			{"the old password with the new email", newEmail, password},
			{"the new password with the old email", email, newPassword},
		} {
			reply := loginAs(g, support, c.email, c.password)
			g.Expect(reply.Status).To(Equal(http.StatusUnauthorized), "%s: %s", c.name, reply.Body)
		}
		expectToken(ctx, g, reply.Session.Token, "supportaccess:"+newEmail)
		// The session that expiry ended stays ended.
		expectToken(ctx, g, token, "")
	})
}
