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

package security

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

const (
	// operatorNamespace is the manager's --operator-namespace, where its keyring Secret lives and
	// where no tenant may read anything.
	operatorNamespace = "support-access-system"
	// keyringSecret is the keyring Secret's default name (--keyring-secret).
	keyringSecret = "support-access-operator-keyring"
	// eventually is the deadline of what the system does by itself (a reconcile, a watch event).
	eventually = 30 * time.Second
	// poll is how often such conditions are checked.
	poll = 100 * time.Millisecond
	// refusedAtOnce is the deadline for the auth service to refuse a token after the Lease event
	// that ends it: a watch event, milliseconds normally.
	refusedAtOnce = 5 * time.Second
	// staysRefused is how long a refused token, or a failed attack, is watched for a change of
	// mind: the watch events the attack caused arrive within it.
	staysRefused = 3 * time.Second
)

// env is the running suite; set before the tests run.
var env *e2esuite.Suite

// TestMain starts the system under test once for all the attacks (see internal/e2esuite), with
// the operator's namespace of its own so that the tests know where its keyring is, and fails the
// run if it does not stop cleanly or a secret the tests remembered leaked.
func TestMain(m *testing.M) {
	opts := e2esuite.Options{Name: "security", OperatorNamespace: operatorNamespace}
	os.Exit(e2esuite.Main(m, opts, func(s *e2esuite.Suite) { env = s }))
}

// kubeUser is who runs kubectl: a kubeconfig, and a bearer token given as --token when set.
type kubeUser struct {
	name       string // for failure messages
	kubeconfig string
	token      string
}

// admin is the platform team: the local cluster's system:masters kubeconfig.
func admin() kubeUser {
	return kubeUser{name: "the platform admin", kubeconfig: env.Cluster.KubeconfigPath}
}

// supportUser is whoever holds a session token, using it the way support staff do.
func supportUser(name, token string) kubeUser {
	return kubeUser{name: name, kubeconfig: env.TokenKubeconfig, token: token}
}

// kubectl runs the pinned kubectl as u, with stdin as its input when not empty.
func kubectl(ctx context.Context, u kubeUser, stdin string, args ...string) e2esuite.KubectlResult {
	return env.Kubectl(ctx, u.kubeconfig, u.token, stdin, args...)
}

// mustKubectl runs kubectl as u and expects it to succeed, returning its stdout.
func mustKubectl(ctx context.Context, g Gomega, u kubeUser, stdin string, args ...string) string {
	r := kubectl(ctx, u, stdin, args...)
	g.ExpectWithOffset(1, r.Err).NotTo(HaveOccurred(), "%s: kubectl %s failed\n%s", u.name, strings.Join(args, " "), r)
	return r.Stdout
}

// expectForbidden runs kubectl as u and expects kube-apiserver's RBAC to refuse it.
func expectForbidden(ctx context.Context, g Gomega, u kubeUser, args ...string) {
	r := kubectl(ctx, u, "", args...)
	g.ExpectWithOffset(1, r.Err).To(HaveOccurred(), "%s may run kubectl %s: the tenant boundary is open", u.name, strings.Join(args, " "))
	g.ExpectWithOffset(1, r.Stderr).To(MatchRegexp(`(?i)\bforbidden\b`), "kubectl %s as %s failed, but not because RBAC refused it\n%s", strings.Join(args, " "), u.name, r)
}

// userInfo is who kube-apiserver says a kubectl user is.
type userInfo struct {
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

// whoami asks kube-apiserver who u is (`kubectl auth whoami`): ok is false when kube-apiserver
// does not authenticate u (the result says why).
func whoami(ctx context.Context, u kubeUser) (userInfo, e2esuite.KubectlResult, bool) {
	r := kubectl(ctx, u, "", "auth", "whoami", "-o", "json")
	if r.Err != nil {
		return userInfo{}, r, false
	}
	var review struct {
		Status struct {
			UserInfo userInfo `json:"userInfo"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &review); err != nil {
		r.Err = fmt.Errorf("decode kubectl auth whoami: %w", err)
		return userInfo{}, r, false
	}
	return review.Status.UserInfo, r, true
}

// unauthorized reports whether kubectl failed because kube-apiserver did not authenticate it.
func unauthorized(r e2esuite.KubectlResult) bool {
	return r.Err != nil && (strings.Contains(r.Stderr, "Unauthorized") || strings.Contains(r.Stderr, "provide credentials"))
}

// secretValue reads one key of a Secret as u, base64-decoded.
func secretValue(ctx context.Context, g Gomega, u kubeUser, namespace, name, key string) string {
	encoded := mustKubectl(ctx, g, u, "", "get", "secret", name, "-n", namespace, "-o", "jsonpath={.data."+key+"}")
	value, err := base64.StdEncoding.DecodeString(encoded)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "Secret %s/%s key %s is not base64", namespace, name, key)
	return string(value)
}

// leaseName is the name of a session token's Lease: session-<hex(SHA-256(token))>, which anyone
// who can list Leases in the account sees, and anyone who picks a token can compute.
func leaseName(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "session-" + hex.EncodeToString(sum[:])
}

// loginReply is what POST /v1/login answered.
type loginReply struct {
	Status  int
	Header  http.Header
	Body    string
	Token   string
	Account string
	Grant   string
}

// login posts the credentials to /v1/login through client. A token it receives is remembered as
// whose.
func login(ctx context.Context, g Gomega, client *http.Client, whose, email, password string) loginReply {
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, env.AuthURL+"/v1/login", bytes.NewReader(body))
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "POST /v1/login: the auth service does not answer")
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "read POST /v1/login's answer")
	reply := loginReply{Status: resp.StatusCode, Header: resp.Header, Body: string(raw)}
	if resp.StatusCode == http.StatusOK {
		var session struct {
			Token   string `json:"token"`
			Account string `json:"account"`
			Grant   string `json:"grant"`
		}
		g.ExpectWithOffset(1, json.Unmarshal(raw, &session)).To(Succeed(), "decode POST /v1/login's answer")
		reply.Token, reply.Account, reply.Grant = session.Token, session.Account, session.Grant
		env.Secrets.RememberToken(whose, session.Token)
	}
	return reply
}

// mustLogin logs in and expects a session token.
func mustLogin(ctx context.Context, g Gomega, client *http.Client, whose, email, password string) string {
	reply := login(ctx, g, client, whose, email, password)
	g.ExpectWithOffset(1, reply.Status).To(Equal(http.StatusOK), "%s cannot log in with its own credentials: %s", whose, reply.Body)
	g.ExpectWithOffset(1, reply.Token).NotTo(BeEmpty())
	return reply.Token
}

// authRequest sends method path to the auth service with token as the bearer.
func authRequest(ctx context.Context, g Gomega, method, path, token string) (int, string) {
	status, body, err := env.AuthRequest(ctx, method, path, token)
	g.ExpectWithOffset(2, err).NotTo(HaveOccurred(), "%s %s: the auth service does not answer", method, path)
	return status, string(body)
}

// logout ends a session with POST /v1/logout.
func logout(ctx context.Context, g Gomega, token string) {
	status, body := authRequest(ctx, g, http.MethodPost, "/v1/logout", token)
	g.ExpectWithOffset(1, status).To(Equal(http.StatusNoContent), "POST /v1/logout: %s", body)
}

// tokenUser asks the auth service about token the two ways its clients do, as kube-apiserver
// (POST /tokenreview) and as a gateway (GET /v1/session), and returns the username each answers,
// "" when it refuses the token. Any other answer fails g.
func tokenUser(ctx context.Context, g Gomega, token string) (review authenticationv1.UserInfo, session string) {
	status, err := env.TokenReview(ctx, token)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "POST /tokenreview must answer 200, whatever the token")
	if status.Authenticated {
		review = status.User
	}
	session, err = env.SessionUser(ctx, token)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "GET /v1/session answers neither 200 nor 401")
	return review, session
}

// expectRefused expects the auth service to refuse token on both of its token checks.
func expectRefused(ctx context.Context, g Gomega, token, what string) {
	review, session := tokenUser(ctx, g, token)
	g.ExpectWithOffset(1, review.Username).To(BeEmpty(), "POST /tokenreview accepts %s as %q", what, review.Username)
	g.ExpectWithOffset(1, session).To(BeEmpty(), "GET /v1/session accepts %s as %q", what, session)
}

// event is what kubectl shows of an Event.
type event struct {
	Type    string `json:"type"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// eventsAbout lists, as u, the Events of reason about the object name in namespace.
func eventsAbout(ctx context.Context, g Gomega, u kubeUser, namespace, name, reason string) []event {
	out := mustKubectl(ctx, g, u, "", "get", "events", "-n", namespace, "-o", "json",
		"--field-selector", "involvedObject.name="+name+",reason="+reason)
	var list struct {
		Items []event `json:"items"`
	}
	g.ExpectWithOffset(1, json.Unmarshal([]byte(out), &list)).To(Succeed(), "kubectl get events -o json")
	return list.Items
}
