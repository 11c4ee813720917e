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

package validate

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestServerURL(t *testing.T) {
	for _, tc := range []struct {
		in, want, wantErr string
	}{
		{"https://auth.example.com", "https://auth.example.com", ""},
		{"https://auth.example.com/", "https://auth.example.com", ""},
		{"https://gw.example.com/support-auth/", "https://gw.example.com/support-auth", ""},
		{"http://127.0.0.1:8444", "http://127.0.0.1:8444", ""},
		{"", "", "--server is required"},
		{"auth.example.com", "", `invalid --server "auth.example.com": must be an http:// or https:// URL with a host`},
		{"ftp://auth.example.com", "", "must be an http:// or https:// URL"},
		{"https://user:pw@auth.example.com", "", "must not carry user information, a query or a fragment"},
		{"https://auth.example.com/?x=1", "", "must not carry user information, a query or a fragment"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			g := NewWithT(t)
			got, err := ServerURL(tc.in)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestPlainHTTPOverNetwork(t *testing.T) {
	g := NewWithT(t)
	g.Expect(PlainHTTPOverNetwork("http://auth.example.com")).To(BeTrue())
	g.Expect(PlainHTTPOverNetwork("http://10.0.0.1:8444")).To(BeTrue())
	g.Expect(PlainHTTPOverNetwork("http://127.0.0.1:8444")).To(BeFalse())
	g.Expect(PlainHTTPOverNetwork("http://[::1]:8444")).To(BeFalse())
	g.Expect(PlainHTTPOverNetwork("http://localhost:8444")).To(BeFalse())
	g.Expect(PlainHTTPOverNetwork("https://auth.example.com")).To(BeFalse())
}

func TestTLSFlags(t *testing.T) {
	g := NewWithT(t)
	g.Expect(TLSFlags("https://a.example", "", false)).To(Succeed())
	g.Expect(TLSFlags("https://a.example", "ca.pem", false)).To(Succeed())
	g.Expect(TLSFlags("https://a.example", "", true)).To(Succeed())
	g.Expect(TLSFlags("https://a.example", "ca.pem", true)).To(MatchError(ContainSubstring("cannot be combined")))
	g.Expect(TLSFlags("http://127.0.0.1:8444", "ca.pem", false)).To(MatchError(ContainSubstring("apply to https:// servers only")))
}
