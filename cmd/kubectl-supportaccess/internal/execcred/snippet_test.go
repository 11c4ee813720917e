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
	"testing"

	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestKubeconfigUserLoadsAsAnExecUser(t *testing.T) {
	for _, tc := range []struct {
		name     string
		exec     Exec
		wantArgs []string
	}{
		{
			name:     "system CAs",
			exec:     Exec{Server: "https://auth.example.com", Email: "support-a@support.invalid"},
			wantArgs: []string{"token", "--server", "https://auth.example.com", "--email", "support-a@support.invalid"},
		},
		{
			name: "own CA",
			exec: Exec{Server: "https://auth.example.com", Email: "support-a@support.invalid", CertificateAuthority: "/etc/ca dir/ca.pem"},
			wantArgs: []string{"token", "--server", "https://auth.example.com", "--email", "support-a@support.invalid",
				"--certificate-authority", "/etc/ca dir/ca.pem"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			snippet, err := KubeconfigUser("support-acme", tc.exec)
			g.Expect(err).NotTo(HaveOccurred())
			config, err := clientcmd.Load([]byte(snippet))
			g.Expect(err).NotTo(HaveOccurred(), snippet)
			user := config.AuthInfos["support-acme"]
			g.Expect(user).NotTo(BeNil(), snippet)
			g.Expect(user.Exec).To(PointTo(MatchFields(IgnoreExtras, Fields{
				"APIVersion":      Equal("client.authentication.k8s.io/v1"),
				"Command":         Equal("kubectl-supportaccess"),
				"Args":            Equal(tc.wantArgs),
				"InteractiveMode": Equal(clientcmdapi.IfAvailableExecInteractiveMode),
			})), snippet)
		})
	}
}

func TestSetCredentialsCommand(t *testing.T) {
	g := NewWithT(t)
	cmd := SetCredentialsCommand("support-acme", Exec{Server: "https://auth.example.com", Email: "support-a@support.invalid", CertificateAuthority: "/etc/ca dir/ca.pem"})
	g.Expect(cmd).To(HavePrefix("kubectl config set-credentials support-acme"))
	g.Expect(cmd).To(ContainSubstring("--exec-api-version=client.authentication.k8s.io/v1"))
	g.Expect(cmd).To(ContainSubstring("--exec-command=kubectl-supportaccess"))
	g.Expect(cmd).To(ContainSubstring("--exec-interactive-mode=IfAvailable"))
	g.Expect(cmd).To(ContainSubstring("--exec-arg=token"))
	g.Expect(cmd).To(ContainSubstring("--exec-arg=https://auth.example.com"))
	g.Expect(cmd).To(ContainSubstring(`'--exec-arg=/etc/ca dir/ca.pem'`), "a path with a space is quoted")
}
