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

package webhook

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// One control plane for the package, with the generated webhook configurations installed and a
// manager serving this package's webhooks. Every test works in its own namespaces, labelled with
// a mode: the installed configurations skip namespaces in mode "off" (the same kube-apiserver and
// CRD schema, without webhooks), copies of them pointing at a closed port cover the namespaces
// in mode "down" (the webhook server is unreachable), and config/admission's policies, without
// any webhook, cover the namespaces in mode "policies" (the default admission path).

const (
	modeLabel = "webhook-test.supportaccess.io/mode"
	modeOn    = "on"
	modeOff   = "off"
	modeDown  = "down"
	// modePolicies namespaces get the admission policies of config/admission and no webhook.
	modePolicies = "policies"
	// limitsNamespace holds the limits ConfigMap the policies take as their parameter.
	limitsNamespace = "support-access-system"

	testMaxGrantDuration = 720 * time.Hour
	eventually           = 10 * time.Second
	poll                 = 20 * time.Millisecond
)

var (
	testScheme = runtime.NewScheme()
	testEnv    *envtest.Environment
	testConfig *rest.Config
	// k8s talks to kube-apiserver directly; it logs warnings, see newWarningClient to collect them.
	k8s client.Client
	// webhookCache is the cache the webhooks read from, to wait until they can see an object.
	webhookCache client.Reader
	// testClock is the webhooks' clock; a whole second, so messages quoting it are predictable.
	testClock = clocktesting.NewFakePassiveClock(time.Now().Truncate(time.Second))
)

var (
	grantGVK  = schema.GroupVersionKind{Group: "supportaccess.io", Version: "v1alpha1", Kind: "SupportAccessGrant"}
	policyGVK = schema.GroupVersionKind{Group: "supportaccess.io", Version: "v1alpha1", Kind: "AccountSessionPolicy"}
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(testScheme))
	utilruntime.Must(supportaccessv1alpha1.AddToScheme(testScheme))
}

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true), zap.Level(zapLevel())))
	flag.Parse()
	if fuzzing() {
		// `go test -fuzz` runs TestMain in every worker process, and ends them without running
		// deferred calls: a control plane per worker would be left behind. The fuzz targets need
		// none; the tests that do skip (see needControlPlane).
		return m.Run()
	}
	env, cfg, err := testutil.StartEnv(testutil.WithWebhooks())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testEnv, testConfig = env, cfg
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop control plane:", err)
		}
	}()
	mgr, err := newManager(env, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	// The manager stops before the control plane, which removes the serving certificates.
	defer func() {
		cancel()
		if err := <-done; err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	opts := env.WebhookInstallOptions
	if err := waitForTLS(net.JoinHostPort(opts.LocalServingHost, strconv.Itoa(opts.LocalServingPort))); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := scopeInstalledWebhooks(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := installDeadWebhooks(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := installPolicies(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// fuzzing reports whether this process runs a fuzzing engine (coordinator or worker).
func fuzzing() bool {
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return true
	}
	f := flag.Lookup("test.fuzzworker")
	return f != nil && f.Value.String() == "true"
}

// needControlPlane skips a test that needs kube-apiserver when TestMain started none.
func needControlPlane(t *testing.T) {
	t.Helper()
	if k8s == nil {
		t.Skip("no control plane while fuzzing")
	}
}

// newManager returns a manager serving this package's webhooks where envtest expects them.
func newManager(env *envtest.Environment, cfg *rest.Config) (ctrl.Manager, error) {
	var err error
	if k8s, err = client.New(cfg, client.Options{Scheme: testScheme}); err != nil {
		return nil, err
	}
	opts := env.WebhookInstallOptions
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 testScheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		WebhookServer: crwebhook.NewServer(crwebhook.Options{
			Host:    opts.LocalServingHost,
			Port:    opts.LocalServingPort,
			CertDir: opts.LocalServingCertDir,
		}),
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	if err := SetupWebhooks(mgr, Options{Limits: limits.Fixed(testMaxGrantDuration), Clock: testClock}); err != nil {
		return nil, err
	}
	webhookCache = mgr.GetCache()
	return mgr, nil
}

// waitForTLS polls until the webhook server answers a TLS handshake.
func waitForTLS(addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only checks the server is up
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook server at %s: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a socket, not waiting for a condition to settle
	}
}

// zapLevel keeps test output readable: errors only, unless TEST_VERBOSE_LOGS is set.
func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE_LOGS") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}
