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
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/authapi"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

const (
	// eventually is the deadline of conditions the system reaches by itself (a reconcile, an
	// informer event, aggregation by kube-controller-manager): seconds normally, generous for CI.
	eventually = 30 * time.Second
	// poll is how often such conditions are checked; every kubectl call costs ~50 ms anyway.
	poll = 100 * time.Millisecond
)

// e2e is the running suite; set before the tests run.
var e2e *e2esuite.Suite

// TestMain starts the system under test once for all the tests (see internal/e2esuite), and fails
// the run if it does not stop cleanly or a secret the tests remembered leaked.
func TestMain(m *testing.M) {
	os.Exit(e2esuite.Main(m, e2esuite.Options{Name: "e2e"}, func(s *e2esuite.Suite) { e2e = s }))
}

// kubectl runs the pinned kubectl as the cluster admin (the platform team), with stdin as its
// input when not empty.
func kubectl(ctx context.Context, stdin string, args ...string) e2esuite.KubectlResult {
	return e2e.Kubectl(ctx, e2e.Cluster.KubeconfigPath, "", stdin, args...)
}

// mustKubectl runs kubectl as the admin and expects it to succeed, returning its stdout.
func mustKubectl(ctx context.Context, g Gomega, stdin string, args ...string) string {
	r := kubectl(ctx, stdin, args...)
	g.ExpectWithOffset(1, r.Err).NotTo(HaveOccurred(), "kubectl %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.Stdout, r.Stderr)
	return r.Stdout
}

// kubectlAs runs the pinned kubectl with kubeconfig, a support user's: the session token as the
// only credential (e2e.KubeconfigWithToken). kube-apiserver knows nothing of the token; it asks
// the auth service through its TokenReview webhook.
func kubectlAs(ctx context.Context, kubeconfig string, args ...string) e2esuite.KubectlResult {
	return e2e.Kubectl(ctx, kubeconfig, "", "", args...)
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
	e2e.Secrets.RememberPassword("a grant's", password)
	return email, password
}

// loginResponse is POST /v1/login's answer.
type loginResponse = authapi.LoginResponse

// loginReply is what POST /v1/login answered.
type loginReply struct {
	Status  int
	Header  http.Header
	Body    []byte
	Session loginResponse // decoded when Status is 200
}

// loginFrom posts the credentials to /v1/login through client (e2e.AuthClient, or one of
// e2esuite.ClientFrom) and returns the answer. A session token it receives is remembered, with
// its hash.
func loginFrom(ctx context.Context, client *http.Client, email, password string) (loginReply, error) {
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	if err != nil {
		return loginReply{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e2e.AuthURL+"/v1/login", bytes.NewReader(body))
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
		e2e.Secrets.RememberToken("a login's", reply.Session.Token)
	}
	return reply, nil
}

// login posts the credentials to /v1/login from 127.0.0.1 and returns the HTTP status and the
// decoded answer.
func login(ctx context.Context, email, password string) (int, loginResponse, error) {
	reply, err := loginFrom(ctx, e2e.AuthClient, email, password)
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

// apiServerClient calls kube-apiserver directly, for measurements that kubectl's own start-up
// and discovery would blur.
var apiServerClient = sync.OnceValue(func() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e2e.CAData)
	return &http.Client{
		Timeout:   e2esuite.CommandTimeout,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
})

// apiServerStatus sends GET path to kube-apiserver with token as the bearer and returns the status:
// 401 when kube-apiserver does not authenticate the token, 403 when RBAC refuses its user.
func apiServerStatus(ctx context.Context, token, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e2e.APIServer+path, nil)
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
