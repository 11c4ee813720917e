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
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// Start builds the manager while the control plane starts in dir (the two take about as long,
// and neither needs the other), installs the support users' ClusterRoles and, when asked, the
// operator's namespace, registers the admission webhooks, then runs the manager and waits for its
// probes. The returned suite is never nil, so that the caller can stop what did start.
func Start(dir string, opts Options) (*Suite, error) {
	s := &Suite{
		opts:            opts,
		CacheDir:        filepath.Join(dir, "kubectl-cache"),
		TokenKubeconfig: filepath.Join(dir, "token.kubeconfig"),
		ManagerLog:      filepath.Join(dir, "manager.log"),
		ControlPlaneLog: filepath.Join(dir, "control-plane.log"),
		AuthClient:      &http.Client{Timeout: CommandTimeout},
	}
	assets, err := checkAssets()
	if err != nil {
		return s, err
	}
	authAddr, err := managerproc.FreeAddress()
	if err != nil {
		return s, err
	}
	probeAddr, err := managerproc.FreeAddress()
	if err != nil {
		return s, err
	}
	s.AuthURL, s.ProbeURL = "http://"+authAddr, "http://"+probeAddr

	ctx, cancel := context.WithCancel(context.Background())
	type built struct {
		path string
		err  error
	}
	buildDone := make(chan built, 1)
	go func() {
		path, err := managerproc.Build(ctx, dir)
		buildDone <- built{path, err}
	}()
	// waitBuild returns the build's result, as often as asked (it puts the result back).
	waitBuild := func() built { b := <-buildDone; buildDone <- b; return b }
	// Whatever happens below, the build is over before the caller removes dir: cancelled if still
	// running when the control plane failed.
	defer func() { cancel(); waitBuild() }()

	if s.cpLogFile, err = os.Create(s.ControlPlaneLog); err != nil {
		return s, fmt.Errorf("create control-plane log: %w", err)
	}
	began := time.Now()
	s.Cluster, err = localcluster.Start(ctx, localcluster.Options{
		AssetsDir:            assets,
		StateDir:             filepath.Join(dir, "cluster"),
		TokenWebhookURL:      s.AuthURL + "/tokenreview",
		TokenWebhookCacheTTL: WebhookCacheTTL,
		ControllerManager:    true,
		Output:               s.cpLogFile,
	})
	if err != nil {
		s.Cluster = nil // Start stopped whatever it had started.
		return s, fmt.Errorf("start control plane: %w", err)
	}
	s.printf("control plane (etcd, kube-apiserver, kube-controller-manager) up in %s", time.Since(began).Round(time.Millisecond))
	// envtest's Host ends with "/"; paths are appended to it.
	s.APIServer = strings.TrimSuffix(s.Cluster.Config.Host, "/")
	s.CAData = s.Cluster.Config.CAData
	if err := s.Cluster.WriteTokenKubeconfig(s.TokenKubeconfig); err != nil {
		return s, err
	}

	roles := filepath.Join(testutil.RepoRoot(), "config", "rbac", "support_user_roles.yaml")
	if _, err := s.AdminKubectl("apply", "-f", roles); err != nil {
		return s, err
	}
	if opts.OperatorNamespace != "" {
		if _, err := s.AdminKubectl("create", "namespace", opts.OperatorNamespace); err != nil {
			return s, err
		}
	}
	webhookPort, err := s.registerWebhooks()
	if err != nil {
		return s, err
	}

	b := waitBuild()
	if b.err != nil {
		return s, b.err
	}
	args := []string{
		"--kubeconfig", s.Cluster.KubeconfigPath,
		"--auth-bind-address", authAddr,
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", probeAddr,
		"--webhook-cert-dir", s.webhooks.LocalServingCertDir,
		"--webhook-port", webhookPort,
		"--login-domain", LoginDomain,
		"--leader-elect=false",
	}
	if opts.OperatorNamespace != "" {
		args = append(args, "--operator-namespace", opts.OperatorNamespace)
	}
	began = time.Now()
	if s.Manager, err = managerproc.Start(b.path, s.ManagerLog, args); err != nil {
		return s, err
	}
	if err := s.Manager.WaitReady(ctx, startTimeout, s.ProbeURL+"/readyz", s.AuthURL+"/healthz"); err != nil {
		return s, err
	}
	s.printf("manager ready in %s", time.Since(began).Round(time.Millisecond))
	return s, nil
}

// registerWebhooks registers the admission webhooks as make run-local does: the generated
// configurations pointed at the manager on loopback, with a CA generated now. It returns the port
// the manager must serve them on.
func (s *Suite) registerWebhooks() (string, error) {
	webhookAddr, err := managerproc.FreeAddress()
	if err != nil {
		return "", err
	}
	_, webhookPort, _ := net.SplitHostPort(webhookAddr)
	port, _ := strconv.Atoi(webhookPort)
	s.webhooks = &envtest.WebhookInstallOptions{
		Paths:            []string{filepath.Join(testutil.RepoRoot(), "config", "webhook")},
		LocalServingHost: "127.0.0.1",
		LocalServingPort: port,
	}
	if err := s.webhooks.Install(s.Cluster.Config); err != nil {
		return "", fmt.Errorf("register admission webhooks: %w", err)
	}
	return webhookPort, nil
}

// checkAssets finds the pinned control-plane binaries and kubectl, failing (not skipping) with what
// to do when they are missing.
func checkAssets() (string, error) {
	assets, err := testutil.AssetsDir()
	if err != nil {
		return "", fmt.Errorf("the end-to-end suite needs the pinned control plane: %w", err)
	}
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl"} {
		if _, err := os.Stat(filepath.Join(assets, name)); err != nil {
			return "", fmt.Errorf("the end-to-end suite needs %s in %s (run `make envtest`, or set KUBEBUILDER_ASSETS): %w", name, assets, err)
		}
	}
	return assets, nil
}
