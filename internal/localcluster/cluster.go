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

// Package localcluster runs a real local Kubernetes control plane for `make run-local`, end-to-end
// tests and benchmarks: etcd and kube-apiserver (started by controller-runtime's envtest) and,
// optionally, the kube-controller-manager controllers the operator relies on (garbage collection
// of the Secrets and RoleBindings it owns, and the aggregation of the support users' ClusterRoles).
//
// Compared with a bare envtest it adds what a person or an end-to-end test needs: a kubeconfig at a
// fixed path, bearer-token authentication through the operator's auth service, and the guarantee
// that no process outlives Stop or the program itself (see ChildProcAttr and package deathsig).
package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/supportaccess/support-access-operator/internal/localcluster/deathsig"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// Options configure a local cluster.
type Options struct {
	// AssetsDir holds etcd, kube-apiserver, kube-controller-manager and kubectl. Empty: the one
	// `make envtest` builds (testutil.AssetsDir).
	AssetsDir string
	// StateDir receives the kubeconfig and configuration files; it is created if needed and may be
	// reused across runs, but not by two clusters at once. Its run/ subdirectory (etcd's data,
	// certificates) is recreated by Start and removed by Stop.
	StateDir string
	// TokenWebhookURL, when set, makes kube-apiserver authenticate bearer tokens by sending a
	// TokenReview (authentication.k8s.io/v1) to this URL. Nothing needs to listen there yet when
	// the cluster starts: kube-apiserver calls it per request.
	TokenWebhookURL string
	// TokenWebhookCacheTTL is how long kube-apiserver caches the webhook's answers. Default 10s.
	TokenWebhookCacheTTL time.Duration
	// TokenWebhookCAFile is the CA that signed an https webhook's certificate; empty: system roots.
	TokenWebhookCAFile string
	// ControllerManager also runs kube-controller-manager with the garbage collector, ClusterRole
	// aggregation and namespace deletion.
	ControllerManager bool
	// CRDDirs hold the CRDs to install before Start returns. Nil: the repository's
	// config/crd/bases; an empty, non-nil slice installs none.
	CRDDirs []string
	// Output receives the control plane's logs, each line prefixed with its component's name.
	// Nil discards them (errors still quote the failing component's last lines).
	Output io.Writer
}

// Timeouts. Generous for a loaded CI machine; readiness is polled, so they cost nothing when
// things are fast.
const (
	defaultTokenWebhookCacheTTL = 10 * time.Second
	startTimeout                = 60 * time.Second
	stopGrace                   = 10 * time.Second
	watchTerminationGrace       = time.Second
)

// Files and directories in StateDir.
const (
	// KubeconfigFile is the admin kubeconfig (system:masters), the one to hand to people.
	KubeconfigFile                  = "kubeconfig"
	controllerManagerKubeconfigFile = "controller-manager.kubeconfig"
	tokenWebhookConfigFile          = "token-webhook.kubeconfig"
	runDir                          = "run"
)

// The binaries' names, which are also the components' names in logs and PIDs.
const (
	etcdName              = "etcd"
	apiServerName         = "kube-apiserver"
	controllerManagerName = "kube-controller-manager"
	kubectlName           = "kubectl"
)

// Cluster is a running local control plane.
type Cluster struct {
	// Config authenticates as the cluster admin (system:masters), without client-side rate limits.
	Config *rest.Config
	// KubeconfigPath is the admin's kubeconfig (mode 0600), StateDir/kubeconfig.
	KubeconfigPath string

	opts     Options
	runDir   string
	env      *envtest.Environment
	wrappers *deathsig.Dir
	outputs  map[string]*componentOutput // by component name; filled by Start, then only read

	mu            sync.Mutex
	kcm           *child
	apiServerDown bool // between StopAPIServer and StartAPIServer
	stopped       bool
}

// Start starts etcd, kube-apiserver and, if asked, kube-controller-manager, installs the CRDs,
// and returns once all of them serve. ctx bounds the wait for kube-controller-manager; etcd's and
// kube-apiserver's each have a fixed deadline. On error nothing is left running.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		opts:           o,
		runDir:         filepath.Join(o.StateDir, runDir),
		KubeconfigPath: filepath.Join(o.StateDir, KubeconfigFile),
		outputs:        map[string]*componentOutput{},
	}
	var shared *sharedWriter // nil: logs discarded
	if o.Output != nil {
		shared = &sharedWriter{w: o.Output}
	}
	for _, name := range []string{etcdName, apiServerName, controllerManagerName} {
		c.outputs[name] = newComponentOutput(name, shared)
	}
	if err := c.start(ctx); err != nil {
		return nil, errors.Join(err, c.Stop())
	}
	return c, nil
}

func (o Options) withDefaults() (Options, error) {
	if o.StateDir == "" {
		return o, errors.New("localcluster: StateDir is required")
	}
	if o.AssetsDir == "" {
		dir, err := testutil.AssetsDir()
		if err != nil {
			return o, fmt.Errorf("localcluster: %w", err)
		}
		o.AssetsDir = dir
	}
	var err error
	if o.AssetsDir, err = filepath.Abs(o.AssetsDir); err != nil {
		return o, fmt.Errorf("localcluster: resolve assets directory: %w", err)
	}
	if o.StateDir, err = filepath.Abs(o.StateDir); err != nil {
		return o, fmt.Errorf("localcluster: resolve state directory: %w", err)
	}
	binaries := []string{etcdName, apiServerName, kubectlName}
	if o.ControllerManager {
		binaries = append(binaries, controllerManagerName)
	}
	for _, b := range binaries {
		if _, err := os.Stat(filepath.Join(o.AssetsDir, b)); err != nil {
			return o, fmt.Errorf("localcluster: %s missing from %s (run `make envtest`): %w", b, o.AssetsDir, err)
		}
	}
	if o.TokenWebhookCAFile != "" {
		// kube-apiserver resolves it from its own working directory, which is not ours.
		if o.TokenWebhookCAFile, err = filepath.Abs(o.TokenWebhookCAFile); err != nil {
			return o, fmt.Errorf("localcluster: resolve token webhook CA file: %w", err)
		}
	}
	if o.TokenWebhookCacheTTL == 0 {
		o.TokenWebhookCacheTTL = defaultTokenWebhookCacheTTL
	}
	if o.CRDDirs == nil {
		o.CRDDirs = []string{filepath.Join(testutil.RepoRoot(), "config", "crd", "bases")}
	}
	return o, nil
}

func (c *Cluster) start(ctx context.Context) error {
	// A fresh run directory each time: a previous run that was killed may have left etcd data and
	// certificates that no longer match anything.
	if err := os.RemoveAll(c.runDir); err != nil {
		return fmt.Errorf("clear %s: %w", c.runDir, err)
	}
	if err := os.MkdirAll(c.runDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", c.runDir, err)
	}
	if err := c.startControlPlane(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.opts.ControllerManager {
		if err := c.startControllerManager(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops kube-controller-manager, kube-apiserver and etcd, in that order, and returns once none
// of their processes exists any more. It removes StateDir/run but keeps the kubeconfig. Calling it
// again does nothing.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true

	var errs []error
	if c.kcm != nil {
		if err := c.kcm.stop(stopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	// Read before envtest stops them; the wrappers' records are the only way to know the pids.
	pids := c.controlPlanePIDs()
	if c.env != nil {
		if err := c.env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop etcd and kube-apiserver: %w", err))
		}
	}
	for name, pid := range pids {
		if err := ensureGone(name, pid, stopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(c.runDir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", c.runDir, err))
	}
	return errors.Join(errs...)
}

// PIDs returns the process ids of the running components by name (etcd, kube-apiserver,
// kube-controller-manager), e.g. to check that they are gone after Stop. On systems without a
// parent-death signal etcd's and kube-apiserver's are unknown and missing.
func (c *Cluster) PIDs() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	pids := c.controlPlanePIDs()
	if c.kcm != nil {
		if done, _ := c.kcm.exited(); !done {
			pids[controllerManagerName] = c.kcm.pid()
		}
	}
	return pids
}

// controlPlanePIDs returns etcd's and kube-apiserver's pids, when they are alive.
func (c *Cluster) controlPlanePIDs() map[string]int {
	pids := map[string]int{}
	if c.wrappers == nil {
		return pids
	}
	for _, name := range []string{etcdName, apiServerName} {
		if pid, err := c.wrappers.PID(name); err == nil && alive(pid) {
			pids[name] = pid
		}
	}
	return pids
}

// Kubectl returns the pinned kubectl, as the cluster admin, with args. The command dies with ctx and
// with this process.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.KubectlBinary(), append([]string{"--kubeconfig", c.KubeconfigPath}, args...)...)
	cmd.SysProcAttr = ChildProcAttr()
	return cmd
}

// KubectlBinary is the absolute path of the pinned kubectl, to tell people which one to use.
func (c *Cluster) KubectlBinary() string {
	return filepath.Join(c.opts.AssetsDir, kubectlName)
}

// withTail adds the component's latest output to err, which alone rarely says why it failed.
func (c *Cluster) withTail(name string, err error) error {
	tail := c.outputs[name].Tail()
	if tail == "" {
		return err
	}
	return fmt.Errorf("%w; last output of %s:\n%s", err, name, tail)
}
