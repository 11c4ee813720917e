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
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/supportaccess/support-access-operator/internal/localcluster/deathsig"
)

// adminUser is the identity of StateDir/kubeconfig.
var adminUser = envtest.User{Name: "local-admin", Groups: []string{"system:masters"}}

// startControlPlane starts etcd and kube-apiserver through envtest, installs the CRDs and writes the
// admin kubeconfig.
func (c *Cluster) startControlPlane() error {
	wrappers, err := deathsig.NewDir(c.runDir)
	if err != nil {
		return err
	}
	c.wrappers = wrappers
	etcdPath, err := wrappers.Wrap(filepath.Join(c.opts.AssetsDir, etcdName))
	if err != nil {
		return err
	}
	apiServerPath, err := wrappers.Wrap(filepath.Join(c.opts.AssetsDir, apiServerName))
	if err != nil {
		return err
	}

	// envtest writes into a CertDir it is given without creating it.
	certDir := filepath.Join(c.runDir, apiServerName)
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", certDir, err)
	}

	etcdOut, apiServerOut := c.outputs[etcdName], c.outputs[apiServerName]
	env := &envtest.Environment{
		// Never whatever USE_EXISTING_CLUSTER says: the point is a cluster of our own.
		UseExistingCluster:       ptr.To(false),
		BinaryAssetsDirectory:    c.opts.AssetsDir,
		CRDDirectoryPaths:        c.opts.CRDDirs,
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: startTimeout,
		ControlPlaneStopTimeout:  stopGrace,
		ControlPlane: envtest.ControlPlane{
			Etcd: &envtest.Etcd{
				Path:    etcdPath,
				DataDir: filepath.Join(c.runDir, etcdName),
				Out:     etcdOut,
				Err:     etcdOut,
			},
			APIServer: &envtest.APIServer{
				Path: apiServerPath,
				// A directory of our own rather than envtest's temporary one, which envtest deletes
				// on stop: StartAPIServer must find the same serving certificate and keys again, or
				// every client's CA and the service account tokens would no longer match.
				CertDir: certDir,
				Out:     apiServerOut,
				Err:     apiServerOut,
			},
			KubectlPath: filepath.Join(c.opts.AssetsDir, kubectlName),
		},
	}
	// On SIGTERM kube-apiserver waits for its open watches to end, which a client that never stops
	// watching (kube-controller-manager, the operator) turns into envtest's stop timeout and a
	// SIGKILL. With a grace period it ends them itself.
	env.ControlPlane.GetAPIServer().Configure().Set("shutdown-watch-termination-grace-period", watchTerminationGrace.String())
	if err := c.configureTokenWebhook(env); err != nil {
		return err
	}
	// Set before starting, so that Stop cleans up after a start that failed half-way.
	c.env = env

	if _, err := env.Start(); err != nil {
		// envtest's errors name the process that failed; quote that one's output (etcd's would
		// only show it being stopped because kube-apiserver failed).
		failed := apiServerName
		if strings.Contains(err.Error(), "process "+etcdName) {
			failed = etcdName
		}
		return c.withTail(failed, fmt.Errorf("start etcd and kube-apiserver from %s: %w", c.opts.AssetsDir, err))
	}

	admin, err := writeUserKubeconfig(env, adminUser, c.KubeconfigPath)
	if err != nil {
		return err
	}
	c.Config = rest.CopyConfig(admin.Config())
	// A local cluster: client-side throttling would only measure the limiter.
	c.Config.QPS, c.Config.Burst = -1, -1
	return nil
}

// configureTokenWebhook points kube-apiserver's bearer-token authentication at the webhook.
func (c *Cluster) configureTokenWebhook(env *envtest.Environment) error {
	if c.opts.TokenWebhookURL == "" {
		return nil
	}
	path := filepath.Join(c.opts.StateDir, tokenWebhookConfigFile)
	if err := writeTokenWebhookConfig(path, c.opts.TokenWebhookURL, c.opts.TokenWebhookCAFile); err != nil {
		return err
	}
	args := env.ControlPlane.GetAPIServer().Configure()
	args.Set("authentication-token-webhook-config-file", path)
	args.Set("authentication-token-webhook-version", "v1")
	args.Set("authentication-token-webhook-cache-ttl", c.opts.TokenWebhookCacheTTL.String())
	return nil
}

// StopAPIServer stops kube-apiserver and waits until its process is gone, leaving etcd (and so all
// objects) and kube-controller-manager running: an outage of the API, as clients see it. Stopping
// it again does nothing.
func (c *Cluster) StopAPIServer() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("cluster is stopped")
	}
	if c.apiServerDown {
		return nil
	}
	c.apiServerDown = true
	pids := c.controlPlanePIDs()
	if err := c.env.ControlPlane.APIServer.Stop(); err != nil {
		return fmt.Errorf("stop kube-apiserver: %w", err)
	}
	if pid, ok := pids[apiServerName]; ok {
		return ensureGone(apiServerName, pid, stopGrace)
	}
	return nil
}

// StartAPIServer starts kube-apiserver again after StopAPIServer, on the same address, etcd and
// certificates, so Config and the kubeconfigs keep working. It returns once it serves; it does
// nothing while kube-apiserver runs.
func (c *Cluster) StartAPIServer() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("cluster is stopped")
	}
	// envtest would start a second one, which would fail on the port the first one holds.
	if !c.apiServerDown {
		return nil
	}
	if err := c.env.ControlPlane.APIServer.Start(); err != nil {
		return c.withTail(apiServerName, fmt.Errorf("start kube-apiserver: %w", err))
	}
	c.apiServerDown = false
	return nil
}
