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

package execcred

import (
	"bytes"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/pkg/apis/clientauthentication"
	"k8s.io/client-go/pkg/apis/clientauthentication/install"
	clientauthenticationv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
)

// decodeAsClientGo decodes the plugin's output the way client-go's exec authenticator does
// (k8s.io/client-go/plugin/pkg/client/auth/exec), into its internal type.
func decodeAsClientGo(t *testing.T, data []byte) *clientauthentication.ExecCredential {
	t.Helper()
	scheme := runtime.NewScheme()
	install.Install(scheme)
	codecs := serializer.NewCodecFactory(scheme)
	cred := &clientauthentication.ExecCredential{}
	_, gvk, err := codecs.UniversalDecoder(clientauthenticationv1.SchemeGroupVersion).Decode(data, nil, cred)
	if err != nil {
		t.Fatalf("client-go cannot decode the ExecCredential: %v\n%s", err, data)
	}
	if gvk.GroupVersion() != clientauthenticationv1.SchemeGroupVersion {
		t.Fatalf("plugin answered %s, want %s", gvk.GroupVersion(), clientauthenticationv1.SchemeGroupVersion)
	}
	return cred
}

func TestWriteIsWhatClientGoReads(t *testing.T) {
	g := NewWithT(t)
	expires := time.Date(2026, 11, 30, 12, 34, 56, 789, time.FixedZone("CET", 3600))
	var out bytes.Buffer
	g.Expect(Write(&out, "sat_token", expires, true)).To(Succeed())

	g.Expect(out.String()).To(HaveSuffix("}\n"), "one JSON object on one line")
	g.Expect(strings.Count(out.String(), "\n")).To(Equal(1))
	g.Expect(out.String()).To(ContainSubstring(`"apiVersion":"client.authentication.k8s.io/v1"`))
	g.Expect(out.String()).To(ContainSubstring(`"kind":"ExecCredential"`))
	g.Expect(out.String()).To(ContainSubstring(`"expirationTimestamp":"2026-11-30T11:34:56Z"`), "RFC 3339 in UTC")

	cred := decodeAsClientGo(t, out.Bytes())
	g.Expect(cred.Status).NotTo(BeNil())
	g.Expect(cred.Status.Token).To(Equal("sat_token"))
	g.Expect(cred.Status.ExpirationTimestamp).NotTo(BeNil())
	g.Expect(cred.Status.ExpirationTimestamp.Time.Equal(expires.Truncate(time.Second))).To(BeTrue())
	g.Expect(cred.Status.ClientCertificateData).To(BeEmpty())
}

func TestParseInfo(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        Info
		wantErr     string
	}{
		{"unset: run by hand", "", Info{}, ""},
		{"interactive", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`, Info{Present: true, Interactive: true}, ""},
		{"not interactive", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`, Info{Present: true}, ""},
		{"v1beta1 configured", `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{}}`, Info{}, "this plugin speaks client.authentication.k8s.io/v1 only"},
		{"garbage", `{`, Info{}, "KUBERNETES_EXEC_INFO is not an ExecCredential"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := ParseInfo(tc.value)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

// The info client-go really sends is parsed as such: encode it with client-go's own codec.
func TestParseInfoFromClientGosEncoding(t *testing.T) {
	g := NewWithT(t)
	scheme := runtime.NewScheme()
	install.Install(scheme)
	codecs := serializer.NewCodecFactory(scheme)
	data, err := runtime.Encode(codecs.LegacyCodec(clientauthenticationv1.SchemeGroupVersion),
		&clientauthentication.ExecCredential{Spec: clientauthentication.ExecCredentialSpec{Interactive: true}})
	g.Expect(err).NotTo(HaveOccurred())
	got, err := ParseInfo(string(data))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(Info{Present: true, Interactive: true}))
}
