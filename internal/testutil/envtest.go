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

// Package testutil starts the real control plane (etcd and kube-apiserver, built by
// hack/build-control-plane.sh) for integration tests, with the project's CRDs installed.
package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/supportaccess/support-access-operator/internal/localcluster/deathsig"
)

// RepoRoot returns the repository's top directory, found from this source file's location so
// tests work from any package directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// AssetsDir returns where the control-plane binaries are: $KUBEBUILDER_ASSETS when set (make test
// sets it), else the newest bin/k8s/<version> built by `make envtest`.
func AssetsDir() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	dirs, _ := filepath.Glob(filepath.Join(RepoRoot(), "bin", "k8s", "*"))
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "kube-apiserver")); err == nil {
			return dirs[i], nil
		}
	}
	return "", fmt.Errorf("no control-plane binaries: run `make envtest` (or `make test`), or set KUBEBUILDER_ASSETS")
}

// Option adjusts the environment before it starts.
type Option func(*envtest.Environment)

// WithAPIServerFlag sets a kube-apiserver flag (e.g. the token webhook's config file).
func WithAPIServerFlag(name string, values ...string) Option {
	return func(env *envtest.Environment) {
		env.ControlPlane.GetAPIServer().Configure().Set(name, values...)
	}
}

// WithWebhooks installs the generated webhook configurations, served by the test's manager.
func WithWebhooks() Option {
	return func(env *envtest.Environment) {
		env.WebhookInstallOptions = envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join(RepoRoot(), "config", "webhook")},
		}
	}
}

// StartEnv starts etcd and kube-apiserver with the CRDs of config/crd/bases installed. The caller
// stops it with env.Stop().
func StartEnv(opts ...Option) (*envtest.Environment, *rest.Config, error) {
	assets, err := AssetsDir()
	if err != nil {
		return nil, nil, err
	}
	// Started through parent-death wrappers: a test binary killed by its timeout (or a fuzzing
	// worker stopped by `go test -fuzz`) takes etcd and kube-apiserver with it.
	wrapperRoot, err := os.MkdirTemp("", "supportaccess-envtest-")
	if err != nil {
		return nil, nil, fmt.Errorf("create wrapper dir: %w", err)
	}
	wrappers, err := deathsig.NewDir(wrapperRoot)
	if err != nil {
		return nil, nil, err
	}
	etcdPath, err := wrappers.Wrap(filepath.Join(assets, "etcd"))
	if err != nil {
		return nil, nil, err
	}
	apiServerPath, err := wrappers.Wrap(filepath.Join(assets, "kube-apiserver"))
	if err != nil {
		return nil, nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
		ControlPlane: envtest.ControlPlane{
			Etcd:      &envtest.Etcd{Path: etcdPath},
			APIServer: &envtest.APIServer{Path: apiServerPath},
		},
	}
	for _, opt := range opts {
		opt(env)
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("start control plane from %s: %w", assets, err)
	}
	// Tests create thousands of objects; client-side throttling would measure the limiter, not us.
	cfg.QPS, cfg.Burst = -1, -1
	return env, cfg, nil
}
