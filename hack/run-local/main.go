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

// Command run-local is `make run-local`: it starts a local control plane (etcd, kube-apiserver and
// kube-controller-manager from bin/k8s) whose kube-apiserver authenticates bearer tokens through the
// manager's auth service, installs the CRDs and the support users' ClusterRoles, and runs the
// manager against it in the foreground. Ctrl-C stops everything; no process is left behind.
//
// Run it from the repository's top directory (make does).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/supportaccess/support-access-operator/internal/admissionpolicies"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

// The manager's other endpoints, at fixed local addresses so that people and docs can rely on them.
const (
	metricsAddress = "127.0.0.1:8080"
	healthAddress  = "127.0.0.1:8081"
	loginDomain    = "support.invalid"
)

// What gets installed, relative to the repository's top directory.
const (
	crdDir           = "config/crd/bases"
	supportUserRoles = "config/rbac/support_user_roles.yaml"
	samplesDir       = "config/samples"
	admissionDir     = "config/admission"
	// tokenKubeconfig has the cluster but no credentials: support staff add --token.
	tokenKubeconfig  = "support-kubeconfig"
	samplesNamespace = "config/samples/00-namespace.yaml"
)

type options struct {
	assets   string
	manager  string
	caddy    string
	stateDir string
	plugin   string
	authPort int
	appPort  int
	samples  bool
}

func main() {
	var o options
	flag.StringVar(&o.assets, "assets", "", "directory with etcd, kube-apiserver, kube-controller-manager and kubectl (default $KUBEBUILDER_ASSETS, else the newest bin/k8s/<version>)")
	flag.StringVar(&o.manager, "manager", "bin/manager", "the manager binary to run")
	flag.StringVar(&o.caddy, "caddy", "", "the Caddy binary of the demo web app's gateway (make caddy); empty runs no web app")
	flag.StringVar(&o.stateDir, "state-dir", "bin/local", "where the kubeconfig, configuration and control-plane logs go")
	flag.StringVar(&o.plugin, "plugin", "bin/kubectl-supportaccess", "the kubectl plugin the tour uses (make build-plugin)")
	flag.IntVar(&o.authPort, "auth-port", 8444, "local port of the manager's auth service (kube-apiserver's token webhook)")
	flag.IntVar(&o.appPort, "app-port", 8090, "local port of the demo web app's gateway (Caddy with forward auth)")
	flag.BoolVar(&o.samples, "samples", true, "create the samples' namespace and print the commands to try them")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "run-local: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(o))
}

// run returns the exit code: the manager's when it ends by itself, 0 when stopped by a signal.
func run(o options) int {
	// Watched before anything starts, so that Ctrl-C at any point goes through the clean-up below.
	stopping, force := watchSignals()

	if err := o.resolve(); err != nil {
		logf("%v", err)
		return 1
	}
	logPath := filepath.Join(o.stateDir, "control-plane.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		logf("create control-plane log: %v", err)
		return 1
	}
	defer logFile.Close()

	began := time.Now()
	cluster, err := localcluster.Start(stopping, localcluster.Options{
		AssetsDir:            o.assets,
		StateDir:             o.stateDir,
		TokenWebhookURL:      fmt.Sprintf("http://127.0.0.1:%d/tokenreview", o.authPort),
		TokenWebhookCacheTTL: 10 * time.Second,
		ControllerManager:    true,
		CRDDirs:              []string{crdDir},
		Output:               logFile,
	})
	if err != nil {
		if stopping.Err() != nil {
			return 0
		}
		logf("start control plane: %v", err)
		return 1
	}
	defer func() {
		began := time.Now()
		if err := cluster.Stop(); err != nil {
			logf("stop control plane: %v", err)
			return
		}
		logf("control plane stopped in %s", time.Since(began).Round(time.Millisecond))
	}()
	logf("control plane up in %s (logs: %s)", time.Since(began).Round(time.Millisecond), logPath)

	if err := cluster.WriteTokenKubeconfig(filepath.Join(o.stateDir, tokenKubeconfig)); err != nil {
		logf("%v", err)
		return 1
	}

	manifests := []string{supportUserRoles}
	if o.samples {
		manifests = append(manifests, samplesNamespace)
	}
	for _, m := range manifests {
		if err := apply(stopping, cluster, m); err != nil {
			if stopping.Err() != nil {
				return 0
			}
			logf("%v", err)
			return 1
		}
	}
	if err := applyOperatorConfig(stopping, cluster); err != nil {
		if stopping.Err() != nil {
			return 0
		}
		logf("%v", err)
		return 1
	}
	if stopping.Err() != nil {
		return 0
	}
	var app *webApp
	if o.caddy != "" {
		if app, err = startWebApp(stopping, o); err != nil {
			logf("%v", err)
			return 1
		}
		defer app.stop()
	}

	if err := installAdmission(stopping, cluster); err != nil {
		if stopping.Err() != nil {
			return 0
		}
		logf("%v", err)
		return 1
	}
	return runManager(stopping, force, cluster, o, app)
}

// resolve makes the paths absolute, so that the banner's paths work from any directory, and checks what
// can be checked now rather than after the control plane's start-up.
func (o *options) resolve() error {
	for _, path := range []string{crdDir, supportUserRoles, samplesNamespace, pageRulesManifest, limitsManifest, admissionDir} {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%w (run from the repository's top directory)", err)
		}
	}
	var err error
	if o.manager, err = filepath.Abs(o.manager); err != nil {
		return fmt.Errorf("resolve --manager: %w", err)
	}
	if info, err := os.Stat(o.manager); err != nil || info.IsDir() || info.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("--manager %s is not an executable file (run `make build`)", o.manager)
	}
	if o.caddy != "" {
		if o.caddy, err = filepath.Abs(o.caddy); err != nil {
			return fmt.Errorf("resolve --caddy: %w", err)
		}
		if info, err := os.Stat(o.caddy); err != nil || info.IsDir() {
			return fmt.Errorf("--caddy %s is not a file (run `make caddy`)", o.caddy)
		}
	}
	if o.stateDir, err = filepath.Abs(o.stateDir); err != nil {
		return fmt.Errorf("resolve --state-dir: %w", err)
	}
	if err := os.MkdirAll(o.stateDir, 0o755); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	return nil
}

// runManager runs the manager against the cluster until it exits or stopping ends, and returns
// run's exit code.
func runManager(stopping context.Context, force <-chan struct{}, cluster *localcluster.Cluster, o options, app *webApp) int {
	args := []string{
		"--kubeconfig", cluster.KubeconfigPath,
		"--auth-bind-address", "127.0.0.1:" + strconv.Itoa(o.authPort),
		"--metrics-bind-address", metricsAddress,
		"--metrics-secure=false",
		"--health-probe-bind-address", healthAddress,
		// Admission is kube-apiserver's own (config/admission), as on any cluster >= 1.36.
		"--disable-webhooks",
		"--limits-configmap", operatorNamespace + "/" + limitsName,
		"--login-domain", loginDomain,
		// The gateway is on loopback: every browser login arrives from it
		// (docs/gateways.md#trusted-proxies).
		"--auth-trusted-proxies", "127.0.0.1/32",
		"--page-rules-configmap", operatorNamespace + "/" + pageRulesName,
	}
	if app != nil {
		// Copied into each credentials Secret: where support logs in (the console's "Copy
		// credentials" puts it on the clipboard).
		args = append(args, "--login-url", app.url+"/.supportaccess/login")
	}
	m, err := startManager(o.manager, args)
	if err != nil {
		logf("%v", err)
		return 1
	}
	logf("manager started (pid %d): %s", m.pid(), o.manager)
	go printBannerWhenReady(stopping, m, cluster, o, app)

	select {
	case <-stopping.Done():
		logf("stopping the manager")
		if err := m.stop(managerStopGrace, force); err != nil {
			logf("%v", err)
		}
		return 0
	case <-m.done:
		code := m.exitCode()
		logf("manager exited with code %d; stopping the control plane", code)
		return code
	}
}

// apply applies a manifest with the pinned kubectl. Client-side, like the `kubectl apply -f
// config/samples/` the banner suggests, which would otherwise warn about the namespace.
// installAdmission installs config/admission's policies, as config/default does, and waits until
// kube-apiserver enforces them.
func installAdmission(ctx context.Context, cluster *localcluster.Cluster) error {
	opts := admissionpolicies.Options{Dir: admissionDir, OperatorNamespace: operatorNamespace}
	if err := admissionpolicies.InstallAndWait(ctx, cluster.Config, opts, time.Minute); err != nil {
		return err
	}
	logf("installed the admission policies of %s (kube-apiserver enforces them; no webhook)", admissionDir)
	return nil
}

func apply(ctx context.Context, cluster *localcluster.Cluster, path string) error {
	out, err := cluster.Kubectl(ctx, "apply", "-f", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("kubectl apply -f %s: %w\n%s", path, err, out)
	}
	logf("applied %s", path)
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "run-local: "+format+"\n", args...)
}
