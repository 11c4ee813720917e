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

package localcluster

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// writeUserKubeconfig provisions a client certificate for user and writes a kubeconfig for it.
func writeUserKubeconfig(env *envtest.Environment, user envtest.User, path string) (*envtest.AuthenticatedUser, error) {
	authenticated, err := env.AddUser(user, nil)
	if err != nil {
		return nil, fmt.Errorf("add user %s: %w", user.Name, err)
	}
	data, err := authenticated.KubeConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of user %s: %w", user.Name, err)
	}
	if err := writePrivateFile(path, data); err != nil {
		return nil, err
	}
	return authenticated, nil
}

// writeTokenWebhookConfig writes the kubeconfig-format file kube-apiserver's
// --authentication-token-webhook-config-file expects: the cluster is the webhook (its URL and, for
// https, the CA to trust), and the user is kube-apiserver itself, with no credentials.
func writeTokenWebhookConfig(path, url, caFile string) error {
	config := clientcmdapi.NewConfig()
	config.Clusters["token-webhook"] = &clientcmdapi.Cluster{Server: url, CertificateAuthority: caFile}
	config.AuthInfos["kube-apiserver"] = &clientcmdapi.AuthInfo{}
	config.Contexts["token-webhook"] = &clientcmdapi.Context{Cluster: "token-webhook", AuthInfo: "kube-apiserver"}
	config.CurrentContext = "token-webhook"
	data, err := clientcmd.Write(*config)
	if err != nil {
		return fmt.Errorf("serialise token webhook config: %w", err)
	}
	return writePrivateFile(path, data)
}

// writePrivateFile replaces path with data, readable by the owner only (the kubeconfigs hold
// system:masters keys). Written beside and renamed, so a reader never sees half a file, and the
// mode holds even when an earlier run left the file with another.
func writePrivateFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // A no-op once renamed.
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// CreateTemp already creates the file 0600; the explicit mode documents the intent.
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteTokenKubeconfig writes a kubeconfig for this cluster with a user that has no credentials of
// its own: kubectl --kubeconfig <path> --token <token> then authenticates with the bearer token
// alone (a client certificate in the same kubeconfig would win over the token).
func (c *Cluster) WriteTokenKubeconfig(path string) error {
	return c.writeTokenKubeconfig(path, "")
}

// WriteTokenKubeconfigWith writes a kubeconfig for this cluster whose only credential is token,
// embedded: the kubeconfig that support staff (a session token) or a tenant's automation (a
// ServiceAccount token) hand to kubectl. kube-apiserver knows nothing of a session token; it asks
// the auth service through its token webhook. Owner-only, as the token is a credential.
func (c *Cluster) WriteTokenKubeconfigWith(path, token string) error {
	if token == "" {
		return fmt.Errorf("write token kubeconfig %s: no token (WriteTokenKubeconfig writes one without)", path)
	}
	return c.writeTokenKubeconfig(path, token)
}

func (c *Cluster) writeTokenKubeconfig(path, token string) error {
	config := clientcmdapi.NewConfig()
	config.Clusters["local"] = &clientcmdapi.Cluster{Server: c.Config.Host, CertificateAuthorityData: c.Config.CAData}
	config.AuthInfos["token"] = &clientcmdapi.AuthInfo{Token: token}
	config.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "token"}
	config.CurrentContext = "local"
	data, err := clientcmd.Write(*config)
	if err != nil {
		return fmt.Errorf("serialise token kubeconfig: %w", err)
	}
	return writePrivateFile(path, data)
}
