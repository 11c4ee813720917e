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
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

// The pure helpers of loopback.go, bearer.go, live.go, access.go and handlers.go.

func TestLocalPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/", "/"},
		{"/accounts/acme", "/accounts/acme"},
		{"/accounts/acme?edit=timeout#session-timeout", "/accounts/acme?edit=timeout#session-timeout"},
		{"", "/"},
		{"accounts/acme", "/"},
		{"//evil.example", "/"},
		{"//evil.example/accounts/acme", "/"},
		{"https://evil.example", "/"},
		{"HTTPS://evil.example", "/"},
		{"http:evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/\\evil.example", "/"},
		{"/accounts\\..\\x", "/"},
		{"/accounts/acme\r\nSet-Cookie: x=y", "/"},
		{"/\t/evil.example", "/"},
		{"%2F%2Fevil.example", "/"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // a path of this console: its own 404
		{"/user@evil.example", "/user@evil.example"},   // a path, not userinfo
	} {
		NewWithT(t).Expect(localPath(tc.in)).To(Equal(tc.want), "%q", tc.in)
	}
}

func TestNewLoopbackNeedsALoopbackAddress(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		ok   bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv4(0, 0, 0, 0), Port: 1}, false},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 2), Port: 1}, false},
		{&net.UnixAddr{Name: "/tmp/console.sock", Net: "unix"}, false},
	} {
		t.Run(tc.addr.String(), func(t *testing.T) {
			g := NewWithT(t)
			l, err := NewLoopback(&rest.Config{}, tc.addr)
			if !tc.ok {
				g.Expect(err).To(MatchError(ContainSubstring("is not a loopback address")))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(l.StartURL("/accounts/acme")).To(HavePrefix("http://" + tc.addr.String() + "/start?"))
			other, err := NewLoopback(&rest.Config{}, tc.addr)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(other.startToken).NotTo(Equal(l.startToken), "random tokens")
			g.Expect(other.cookie).NotTo(Equal(l.cookie))
			g.Expect(l.cookie).NotTo(Equal(l.startToken))
			g.Expect(len(l.cookie)).To(BeNumerically(">=", 43), "256 bits")
		})
	}
}

func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		header, token string
		ok            bool
	}{
		{"Bearer abc.def-ghi_jkl", "abc.def-ghi_jkl", true},
		{"bearer abc", "abc", true},
		{"BEARER abc", "abc", true},
		{"Bearer   abc  ", "abc", true},
		{"", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Bearer    ", "", false},
		{"Basic YWRtaW46YWRtaW4=", "", false},
		{"Bearerabc", "", false},
		{"abc", "", false},
		{"Bearer abc def", "", false},
		{"Bearer abc\tdef", "", false},
		{"Token abc", "", false},
	} {
		token, ok := bearerToken(tc.header)
		NewWithT(t).Expect([]any{token, ok}).To(Equal([]any{tc.token, tc.ok}), "%q", tc.header)
	}
}

// ConfigFor keeps the base's server and trust and nothing of its credentials.
func TestBearerTokensConfigFor(t *testing.T) {
	g := NewWithT(t)
	base := &rest.Config{
		Host: "https://kube.example:6443", BearerToken: "manager-token", BearerTokenFile: "/var/run/secrets/token",
		Username: "u", Password: "p",
		TLSClientConfig: rest.TLSClientConfig{CAData: []byte("ca"), ServerName: "kube", CertData: []byte("cert"), KeyData: []byte("key"), CertFile: "c", KeyFile: "k"},
		Impersonate:     rest.ImpersonationConfig{UserName: "system:admin", Groups: []string{"system:masters"}},
	}
	b := NewBearerTokens(base)
	cfg := b.ConfigFor("user-token")
	g.Expect(cfg.Host).To(Equal(base.Host))
	g.Expect(cfg.CAData).To(Equal([]byte("ca")))
	g.Expect(cfg.ServerName).To(Equal("kube"))
	g.Expect(cfg.BearerToken).To(Equal("user-token"))
	g.Expect(cfg.BearerTokenFile).To(BeEmpty())
	g.Expect(cfg.Username + cfg.Password).To(BeEmpty())
	g.Expect(cfg.CertData).To(BeEmpty())
	g.Expect(cfg.KeyData).To(BeEmpty())
	g.Expect(cfg.CertFile + cfg.KeyFile).To(BeEmpty())
	g.Expect(cfg.Impersonate).To(BeZero())
	g.Expect(b.ConfigFor("other").BearerToken).To(Equal("other"), "a config of its own for each user")
	g.Expect(cfg.BearerToken).To(Equal("user-token"))
}

func TestEvent(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"update", `{"grants":"<p>x</p>"}`, "event: update\ndata: {\"grants\":\"<p>x</p>\"}\n\n"},
		{"failure", "forbidden", "event: failure\ndata: forbidden\n\n"},
		{"failure", "line one\nline two\r\nthree\rfour", "event: failure\ndata: line one line two  three four\n\n"},
		{"failure", "\n\nevent: update\ndata: {}", "event: failure\ndata:   event: update data: {}\n\n"},
		{"update", "", "event: update\ndata: \n\n"},
	} {
		NewWithT(t).Expect(string(event(tc.name, tc.data))).To(Equal(tc.want), "%q", tc.data)
	}
}

func TestRefusal(t *testing.T) {
	g := NewWithT(t)
	var p permission
	g.Expect(refusal(grantCheck("create", &p), "acme", "")).To(Equal(
		"your Kubernetes permissions do not allow create on supportaccessgrants.supportaccess.io in namespace acme"))
	g.Expect(refusal(secretCheck("t-credentials", &p), "acme", "no RBAC policy matched")).To(Equal(
		"your Kubernetes permissions do not allow get on secrets t-credentials in namespace acme (no RBAC policy matched)"))
	g.Expect(refusal(leaseCheck("delete", &p), "acme", "")).To(Equal(
		"your Kubernetes permissions do not allow delete on leases in namespace acme"))
	g.Expect(refusal(policyCheck("patch", "session-policy", &p), "acme", "")).To(Equal(
		"your Kubernetes permissions do not allow patch on accountsessionpolicies.supportaccess.io session-policy in namespace acme"))
}

func TestAPIError(t *testing.T) {
	grants := schema.GroupResource{Group: "supportaccess.io", Resource: "supportaccessgrants"}
	for _, tc := range []struct {
		name string
		err  error
		code int
	}{
		{"forbidden", apierrors.NewForbidden(grants, "t", errors.New("RBAC")), http.StatusForbidden},
		{"unauthorized", apierrors.NewUnauthorized("no"), http.StatusUnauthorized},
		{"conflict", apierrors.NewConflict(grants, "t", errors.New("UID")), http.StatusConflict},
		{"invalid", apierrors.NewInvalid(schema.GroupKind{Group: "supportaccess.io", Kind: "SupportAccessGrant"}, "t", nil), http.StatusUnprocessableEntity},
		{"wrapped", fmt.Errorf("renew: %w", apierrors.NewForbidden(grants, "t", errors.New("RBAC"))), http.StatusForbidden},
		{"explained not found", accountclient.Explain(apierrors.NewNotFound(grants, "t"), "grant", "t", "acme"), http.StatusNotFound},
		{"explained missing namespace", accountclient.Explain(apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "acme"), "grant", "t", "acme"), http.StatusNotFound},
	} {
		code, msg := (&Console{}).apiError(tc.err)
		NewWithT(t).Expect(code).To(Equal(tc.code), tc.name)
		NewWithT(t).Expect(msg).To(Equal(tc.err.Error()), tc.name)
	}
	// Not kube-apiserver's answer: the page gets no internal address, the log gets the details.
	code, msg := (&Console{}).apiError(errors.New(`Get "https://10.96.0.1:443/apis": dial tcp 10.96.0.1:443: connection refused`))
	NewWithT(t).Expect(code).To(Equal(http.StatusBadGateway))
	NewWithT(t).Expect(msg).NotTo(ContainSubstring("10.96.0.1"))
	code, _ = (&Console{}).apiError(fmt.Errorf("list: %w", context.DeadlineExceeded))
	NewWithT(t).Expect(code).To(Equal(http.StatusGatewayTimeout))
}

func TestWithRateLimits(t *testing.T) {
	g := NewWithT(t)
	defaults := &rest.Config{Host: "https://kube.example"}
	raised := withRateLimits(defaults)
	g.Expect(raised.QPS).To(BeNumerically("==", clientQPS))
	g.Expect(raised.Burst).To(Equal(clientBurst))
	g.Expect(defaults.QPS).To(BeZero(), "the caller's config is not changed")
	g.Expect(raised.Host).To(Equal(defaults.Host))

	off := &rest.Config{QPS: -1}
	g.Expect(withRateLimits(off)).To(BeIdenticalTo(off), "throttling off stays off")
	high := &rest.Config{QPS: 1000, Burst: 2000}
	g.Expect(withRateLimits(high)).To(BeIdenticalTo(high))
	g.Expect(withRateLimits(&rest.Config{QPS: 100, Burst: 10}).Burst).To(Equal(clientBurst))
}
