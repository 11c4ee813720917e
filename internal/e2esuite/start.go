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
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/supportaccess/support-access-operator/internal/admissionpolicies"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// Start builds the manager while the control plane starts in dir (the two take about as long,
// and neither needs the other), installs the support users' ClusterRoles and, when asked, the
// operator's namespace and the options' manifests, installs the admission policies, then runs the
// manager's replicas and waits for their probes. The returned suite is never nil, so that the caller can stop what did start.
func Start(dir string, opts Options) (*Suite, error) {
	s := &Suite{
		opts:            opts,
		CacheDir:        filepath.Join(dir, "kubectl-cache"),
		TokenKubeconfig: filepath.Join(dir, "token.kubeconfig"),
		ControlPlaneLog: filepath.Join(dir, "control-plane.log"),
		AuthClient:      &http.Client{Timeout: CommandTimeout},
	}
	assets, err := checkAssets()
	if err != nil {
		return s, err
	}
	// Every replica's addresses now: kube-apiserver starts with the first one's auth URL.
	for i := range max(opts.Replicas, 1) {
		authAddr, err := managerproc.FreeAddress()
		if err != nil {
			return s, err
		}
		probeAddr, err := managerproc.FreeAddress()
		if err != nil {
			return s, err
		}
		s.AuthURLs = append(s.AuthURLs, "http://"+authAddr)
		s.ProbeURLs = append(s.ProbeURLs, "http://"+probeAddr)
		s.ManagerLogs = append(s.ManagerLogs, filepath.Join(dir, replicaName(i)+".log"))
	}
	s.AuthURL, s.ProbeURL, s.ManagerLog = s.AuthURLs[0], s.ProbeURLs[0], s.ManagerLogs[0]

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
	for _, manifest := range opts.Manifests {
		if r := s.Kubectl(ctx, s.Cluster.KubeconfigPath, "", manifest, "apply", "-f", "-"); r.Err != nil {
			return s, fmt.Errorf("apply a manifest of the suite's options: %v\n%s", r.Err, r.Stderr)
		}
	}
	if err := s.installAdmission(ctx); err != nil {
		return s, err
	}

	b := waitBuild()
	if b.err != nil {
		return s, b.err
	}
	began = time.Now()
	s.managerBinary = b.path
	if err := s.StartManagers(ctx); err != nil {
		return s, err
	}
	if len(s.Managers) == 1 {
		s.printf("manager ready in %s", time.Since(began).Round(time.Millisecond))
	} else {
		s.printf("%d manager replicas ready in %s", len(s.Managers), time.Since(began).Round(time.Millisecond))
	}
	return s, nil
}

// StartManagers runs every replica (again, after StopManagers) and waits for their probes. Each
// appends to its own log.
func (s *Suite) StartManagers(ctx context.Context) error {
	s.Managers = nil
	for i := range s.AuthURLs {
		args, err := s.managerArgs(i)
		if err != nil {
			return err
		}
		m, err := managerproc.Start(s.managerBinary, s.ManagerLogs[i], args)
		if err != nil {
			return err
		}
		m.Name = replicaName(i)
		s.Managers = append(s.Managers, m)
	}
	s.Manager = s.Managers[0]
	for i, m := range s.Managers {
		if err := m.WaitReady(ctx, startTimeout, s.ProbeURLs[i]+"/readyz", s.AuthURLs[i]+"/healthz"); err != nil {
			return err
		}
	}
	return nil
}

// StopManagers stops every replica, as a scale to zero does; StartManagers brings them back.
func (s *Suite) StopManagers() error {
	var errs []error
	for _, m := range s.Managers {
		if err := m.Stop(managerStopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	s.Managers, s.Manager = nil, nil
	return errors.Join(errs...)
}

// replicaName names replica i's process and log: "manager", then "manager-2", "manager-3".
func replicaName(i int) string {
	if i == 0 {
		return "manager"
	}
	return "manager-" + strconv.Itoa(i+1)
}

// managerArgs are replica i's arguments. Admission is kube-apiserver's own (the policies), so no
// replica serves webhooks.
func (s *Suite) managerArgs(i int) ([]string, error) {
	authAddr := strings.TrimPrefix(s.AuthURLs[i], "http://")
	probeAddr := strings.TrimPrefix(s.ProbeURLs[i], "http://")
	args := []string{
		"--kubeconfig", s.Cluster.KubeconfigPath,
		"--auth-bind-address", authAddr,
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", probeAddr,
		"--disable-webhooks",
		"--limits-configmap", s.operatorNamespace() + "/" + LimitsConfigMap,
		"--login-domain", LoginDomain,
	}
	if len(s.AuthURLs) > 1 {
		args = append(args, "--leader-elect", "--leader-election-namespace", s.operatorNamespace())
	} else {
		args = append(args, "--leader-elect=false")
	}
	if s.opts.OperatorNamespace != "" {
		args = append(args, "--operator-namespace", s.opts.OperatorNamespace)
	}
	args = append(args, s.opts.ManagerArgs...)
	if i < len(s.opts.ReplicaArgs) {
		args = append(args, s.opts.ReplicaArgs[i]...)
	}
	return args, nil
}

// installAdmission installs the admission policies as a deployment has them (config/admission),
// with the limits ConfigMap they and the managers read, and waits until kube-apiserver enforces
// them.
func (s *Suite) installAdmission(ctx context.Context) error {
	ns := s.operatorNamespace()
	if _, err := s.AdminKubectl("create", "configmap", LimitsConfigMap, "-n", ns,
		"--from-literal="+limits.KeyMaxGrantDuration+"="+cmp.Or(s.opts.MaxGrantDuration, MaxGrantDuration)); err != nil {
		return err
	}
	return admissionpolicies.InstallAndWait(ctx, s.Cluster.Config, admissionpolicies.Options{
		Dir:               filepath.Join(testutil.RepoRoot(), "config", "admission"),
		OperatorNamespace: ns,
	}, startTimeout)
}

// operatorNamespace is the managers' namespace (OperatorNamespace, else "default"): where the
// limits ConfigMap and the leader election Lease are.
func (s *Suite) operatorNamespace() string {
	if s.opts.OperatorNamespace != "" {
		return s.opts.OperatorNamespace
	}
	return "default"
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
