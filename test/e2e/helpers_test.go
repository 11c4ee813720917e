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

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

const (
	// commandTimeout bounds one kubectl or HTTP call, so a hung call fails its test instead of
	// running into go test's global timeout.
	commandTimeout = 30 * time.Second
	// eventually is the deadline of conditions the system reaches by itself (a reconcile, an
	// informer event, aggregation by kube-controller-manager): seconds normally, generous for CI.
	eventually = 30 * time.Second
	// poll is how often such conditions are checked; every kubectl call costs ~50 ms anyway.
	poll = 100 * time.Millisecond
)

// kubectlResult is what a kubectl invocation printed, and how it exited.
type kubectlResult struct {
	Stdout, Stderr string
	Err            error
}

// kubectl runs the pinned kubectl as the cluster admin (the platform team), with stdin as its
// input when not empty.
func kubectl(ctx context.Context, stdin string, args ...string) kubectlResult {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	return run(e2e.cluster.Kubectl(ctx, append([]string{"--cache-dir", e2e.cacheDir}, args...)...), stdin)
}

// mustKubectl runs kubectl as the admin and expects it to succeed, returning its stdout.
func mustKubectl(ctx context.Context, g Gomega, stdin string, args ...string) string {
	r := kubectl(ctx, stdin, args...)
	g.ExpectWithOffset(1, r.Err).NotTo(HaveOccurred(), "kubectl %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.Stdout, r.Stderr)
	return r.Stdout
}

// kubectlAs runs the pinned kubectl with kubeconfig, a support user's (see supportKubeconfig).
func kubectlAs(ctx context.Context, kubeconfig string, args ...string) kubectlResult {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e2e.cluster.KubectlBinary(), append([]string{"--kubeconfig", kubeconfig, "--cache-dir", e2e.cacheDir}, args...)...)
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	return run(cmd, "")
}

func run(cmd *exec.Cmd, stdin string) kubectlResult {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	return kubectlResult{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// supportKubeconfig writes the kubeconfig support staff would use: kube-apiserver's address and
// CA, and the session token as the only credential. kube-apiserver knows nothing of the token; it
// asks the auth service through its TokenReview webhook.
func supportKubeconfig(t *testing.T, token string) string {
	t.Helper()
	config := clientcmdapi.NewConfig()
	config.Clusters["local"] = &clientcmdapi.Cluster{Server: e2e.apiServer, CertificateAuthorityData: e2e.caData}
	config.AuthInfos["support"] = &clientcmdapi.AuthInfo{Token: token}
	config.Contexts["support"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "support"}
	config.CurrentContext = "support"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		t.Fatalf("write support kubeconfig: %v", err)
	}
	return path
}

// issued collects every password and session token the tests have seen, and the forms in which
// the manager holds them (digests, the Secret's base64), so that the suite can check in the end
// that none of them leaked into a log or an event (SPEC §3).
var issued struct {
	mu      sync.Mutex
	secrets []string
	seen    map[string]bool
}

// remember adds secret to what must not leak; once, however often the tests see it.
func remember(secret string) {
	issued.mu.Lock()
	defer issued.mu.Unlock()
	if issued.seen[secret] {
		return
	}
	if issued.seen == nil {
		issued.seen = map[string]bool{}
	}
	issued.seen[secret] = true
	issued.secrets = append(issued.secrets, secret)
}

// rememberPassword remembers a password, issued or merely tried, in every form that could betray
// it: as typed; base64-encoded, as a Secret's data holds it; and its SHA-256, which the manager
// keeps in memory instead of the password (internal/credentials), in hex and in base64 (how a
// []byte prints in JSON).
func rememberPassword(password string) {
	sum := sha256.Sum256([]byte(password))
	for _, form := range []string{
		password,
		base64.StdEncoding.EncodeToString([]byte(password)),
		hex.EncodeToString(sum[:]),
		base64.StdEncoding.EncodeToString(sum[:]),
	} {
		remember(form)
	}
}

func rememberedSecrets() []string {
	issued.mu.Lock()
	defer issued.mu.Unlock()
	return append([]string(nil), issued.secrets...)
}

// credentials reads a grant's login email and password from its Secret, as the customer's
// "copy credentials" does (kubectl, jsonpath, base64).
func credentials(ctx context.Context, g Gomega, namespace, grant string) (email, password string) {
	secret := mustKubectl(ctx, g, "", "get", "sag", grant, "-n", namespace, "-o", "jsonpath={.status.secretName}")
	g.ExpectWithOffset(1, secret).NotTo(BeEmpty(), "grant %s/%s has no status.secretName", namespace, grant)
	decode := func(key string) string {
		encoded := mustKubectl(ctx, g, "", "get", "secret", secret, "-n", namespace, "-o", "jsonpath={.data."+key+"}")
		value, err := base64.StdEncoding.DecodeString(encoded)
		g.ExpectWithOffset(2, err).NotTo(HaveOccurred(), "Secret %s/%s key %s", namespace, secret, key)
		g.ExpectWithOffset(2, value).NotTo(BeEmpty(), "Secret %s/%s key %s", namespace, secret, key)
		return string(value)
	}
	email, password = decode("email"), decode("password")
	rememberPassword(password)
	return email, password
}

// loginResponse is POST /v1/login's answer (SPEC §5.1).
type loginResponse struct {
	Token              string    `json:"token"`
	TokenType          string    `json:"tokenType"`
	ExpiresAt          time.Time `json:"expiresAt"`
	IdleTimeoutSeconds int64     `json:"idleTimeoutSeconds"`
	AccessLevel        string    `json:"accessLevel"`
	Account            string    `json:"account"`
	Grant              string    `json:"grant"`
}

// authClient talks to the auth service; no retries, no redirects, so a status is what was sent.
// Its requests come from 127.0.0.1, and the auth service throttles failed logins per client
// address too (10 per 15 minutes): a test that fails logins on purpose sends them from an address
// of its own (clientFrom), so as not to spend that budget for the whole suite.
var authClient = &http.Client{Timeout: commandTimeout}

// clientFrom returns a client of the auth service whose connections come from ip, a loopback
// address other than 127.0.0.1 (Linux routes all of 127.0.0.0/8 to the loopback interface): to the
// auth service, another client address, as another machine would be.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	local := net.ParseIP(ip)
	if local == nil || !local.IsLoopback() {
		t.Fatalf("clientFrom(%q): not a loopback address", ip)
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: local}, Timeout: commandTimeout}
	transport := &http.Transport{DialContext: dialer.DialContext}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Timeout: commandTimeout, Transport: transport}
}

// loginReply is what POST /v1/login answered.
type loginReply struct {
	Status  int
	Header  http.Header
	Body    []byte
	Session loginResponse // decoded when Status is 200
}

// loginFrom posts the credentials to /v1/login through client and returns the answer. A session
// token it receives is remembered, with its hash.
func loginFrom(ctx context.Context, client *http.Client, email, password string) (loginReply, error) {
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	if err != nil {
		return loginReply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e2e.authURL+"/v1/login", bytes.NewReader(body))
	if err != nil {
		return loginReply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return loginReply{}, fmt.Errorf("POST /v1/login: %w", err)
	}
	defer resp.Body.Close()
	reply := loginReply{Status: resp.StatusCode, Header: resp.Header}
	if reply.Body, err = io.ReadAll(resp.Body); err != nil {
		return reply, fmt.Errorf("read login response: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(reply.Body, &reply.Session); err != nil {
			return reply, fmt.Errorf("decode login response: %w", err)
		}
		remember(reply.Session.Token)
		// Its hash too: it names the session's Lease, and must not reach a log either.
		sum := sha256.Sum256([]byte(reply.Session.Token))
		remember(hex.EncodeToString(sum[:]))
	}
	return reply, nil
}

// login posts the credentials to /v1/login from 127.0.0.1 and returns the HTTP status and the
// decoded answer.
func login(ctx context.Context, email, password string) (int, loginResponse, error) {
	reply, err := loginFrom(ctx, authClient, email, password)
	return reply.Status, reply.Session, err
}

// mustLogin logs in with a grant's credentials and expects a session token. It returns the login
// email too, which is the support user's name in kube-apiserver.
func mustLogin(ctx context.Context, g Gomega, namespace, grant string) (loginResponse, string) {
	email, password := credentials(ctx, g, namespace, grant)
	status, resp, err := login(ctx, email, password)
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	g.ExpectWithOffset(1, status).To(Equal(http.StatusOK), "login to %s/%s", namespace, grant)
	g.ExpectWithOffset(1, resp.Token).NotTo(BeEmpty())
	return resp, email
}

// withToken sends method path to the auth service with token as the bearer, and returns the
// status and the body.
func withToken(ctx context.Context, method, path, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, e2e.authURL+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := authClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// tokenReview asks the auth service directly, as kube-apiserver does, whether token is valid.
func tokenReview(ctx context.Context, token string) (authenticationv1.TokenReviewStatus, error) {
	review := authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}
	review.APIVersion, review.Kind = "authentication.k8s.io/v1", "TokenReview"
	body, err := json.Marshal(review)
	if err != nil {
		return authenticationv1.TokenReviewStatus{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e2e.authURL+"/tokenreview", bytes.NewReader(body))
	if err != nil {
		return authenticationv1.TokenReviewStatus{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := authClient.Do(req)
	if err != nil {
		return authenticationv1.TokenReviewStatus{}, fmt.Errorf("POST /tokenreview: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return authenticationv1.TokenReviewStatus{}, fmt.Errorf("POST /tokenreview: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&review); err != nil {
		return authenticationv1.TokenReviewStatus{}, fmt.Errorf("decode TokenReview: %w", err)
	}
	return review.Status, nil
}

// apiServerClient calls kube-apiserver directly, for measurements that kubectl's own start-up
// and discovery would blur.
var apiServerClient = sync.OnceValue(func() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e2e.caData)
	return &http.Client{
		Timeout:   commandTimeout,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
})

// apiServerStatus sends GET path to kube-apiserver with token as the bearer and returns the status:
// 401 when kube-apiserver does not authenticate the token, 403 when RBAC refuses its user.
func apiServerStatus(ctx context.Context, token, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e2e.apiServer+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := apiServerClient().Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// applyNamespace creates a namespace for one test and deletes it (without waiting) afterwards.
func applyNamespace(t *testing.T, g Gomega, name string) {
	t.Helper()
	mustKubectl(t.Context(), g, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+name+"\n", "apply", "-f", "-")
	t.Cleanup(func() {
		// t.Context() is already cancelled in cleanups.
		_ = kubectl(context.Background(), "", "delete", "namespace", name, "--wait=false", "--ignore-not-found")
	})
}

// event is what security reviewers read of an Event.
type event struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// eventsAbout lists the Events of reason about the object name in namespace, as kubectl shows them
// (the events.k8s.io note is the message).
func eventsAbout(ctx context.Context, g Gomega, namespace, name, reason string) []event {
	out := mustKubectl(ctx, g, "", "get", "events", "-n", namespace, "-o", "json",
		"--field-selector", "involvedObject.name="+name+",reason="+reason)
	var list struct {
		Items []event `json:"items"`
	}
	g.ExpectWithOffset(1, json.Unmarshal([]byte(out), &list)).To(Succeed(), "kubectl get events -o json")
	return list.Items
}
