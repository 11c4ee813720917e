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

package e2esuite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

// KubectlResult is what a kubectl invocation printed, and how it exited.
type KubectlResult struct {
	Stdout, Stderr string
	Err            error
}

func (r KubectlResult) String() string {
	return fmt.Sprintf("err: %v\nstdout: %s\nstderr: %s", r.Err, r.Stdout, r.Stderr)
}

// Kubectl runs the pinned kubectl with kubeconfig, and token as --token when not empty (with
// TokenKubeconfig, how support staff use a session), with stdin as its input when not empty. The
// call is bounded by CommandTimeout; a failure is in the result, for the caller to judge.
func (s *Suite) Kubectl(ctx context.Context, kubeconfig, token, stdin string, args ...string) KubectlResult {
	ctx, cancel := context.WithTimeout(ctx, CommandTimeout)
	defer cancel()
	full := []string{"--kubeconfig", kubeconfig, "--cache-dir", s.CacheDir}
	if token != "" {
		full = append(full, "--token", token)
	}
	cmd := exec.CommandContext(ctx, s.Cluster.KubectlBinary(), append(full, args...)...)
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	return KubectlResult{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// AdminKubectl runs kubectl as the cluster admin outside any test (setting up, reading the events
// at the end) and returns its stdout; an error carries its stderr.
func (s *Suite) AdminKubectl(args ...string) (string, error) {
	r := s.Kubectl(context.Background(), s.Cluster.KubeconfigPath, "", "", args...)
	if r.Err != nil {
		return "", fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), r.Err, r.Stderr)
	}
	return r.Stdout, nil
}

// KubeconfigWithToken writes, in a directory of t's, a kubeconfig for kube-apiserver whose only
// credential is token (see localcluster's WriteTokenKubeconfigWith), and returns its path.
func (s *Suite) KubeconfigWithToken(t testing.TB, token string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := s.Cluster.WriteTokenKubeconfigWith(path, token); err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}
	return path
}

// ClientFrom returns a client of the auth service whose connections come from ip, a loopback
// address other than 127.0.0.1 (Linux routes all of 127.0.0.0/8 to the loopback interface): to the
// auth service, another client address, as another machine would be. The auth service throttles
// failed logins per client address, so each party that fails logins on purpose uses its own.
func ClientFrom(t testing.TB, ip string) *http.Client {
	t.Helper()
	local := net.ParseIP(ip)
	if local == nil || !local.IsLoopback() {
		t.Fatalf("ClientFrom(%q): not a loopback address", ip)
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: local}, Timeout: CommandTimeout}
	transport := &http.Transport{DialContext: dialer.DialContext}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Timeout: CommandTimeout, Transport: transport}
}

// AuthRequest sends method path to the auth service with token as the bearer, and returns the
// status and the body. An error is only a request that got no answer.
func (s *Suite) AuthRequest(ctx context.Context, method, path, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.AuthURL+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.AuthClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// TokenReview asks the auth service directly, as kube-apiserver does, whether token is valid. A
// refused token is not an error (Authenticated is false): the auth service must answer 200 with a
// TokenReview whatever the token, and any other answer is.
func (s *Suite) TokenReview(ctx context.Context, token string) (authenticationv1.TokenReviewStatus, error) {
	review := authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}
	review.APIVersion, review.Kind = "authentication.k8s.io/v1", "TokenReview"
	body, err := json.Marshal(review)
	if err != nil {
		return authenticationv1.TokenReviewStatus{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.AuthURL+"/tokenreview", bytes.NewReader(body))
	if err != nil {
		return authenticationv1.TokenReviewStatus{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.AuthClient.Do(req)
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

// SessionUser asks the auth service about token as an HTTP gateway does (GET /v1/session): the
// user's name when the token is valid, "" when it is refused (401), an error for any other answer.
func (s *Suite) SessionUser(ctx context.Context, token string) (string, error) {
	status, body, err := s.AuthRequest(ctx, http.MethodGet, "/v1/session", token)
	switch {
	case err != nil:
		return "", err
	case status == http.StatusUnauthorized:
		return "", nil
	case status != http.StatusOK:
		return "", fmt.Errorf("GET /v1/session: status %d: %s", status, body)
	}
	var who struct {
		Username string `json:"username"`
	}
	if err := json.Unmarshal(body, &who); err != nil {
		return "", fmt.Errorf("decode GET /v1/session: %w", err)
	}
	return who.Username, nil
}
