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

package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/managercache"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/controllers"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// One control plane for the package, with kube-apiserver's audit log on (every request the
// console makes is checked against the user who sent it: audit_test.go and the sweep at the end
// of TestMain), and the real grant and policy controllers in-process, so grants become Active and
// get their credentials Secret. Each test works in namespaces (accounts) of its own.

const (
	eventually = 10 * time.Second
	poll       = 20 * time.Millisecond
	// auditPolicy logs every request's metadata: who, as whom, with which user agent.
	auditPolicy = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
)

var (
	testScheme = runtime.NewScheme()
	// testEnv is the control plane (for AddUser); adminCfg its admin ("admin", system:masters).
	testEnv  *envtest.Environment
	adminCfg *rest.Config
	// k8s and kube read and write as the admin, straight to kube-apiserver.
	k8s  client.Client
	kube kubernetes.Interface
	// auditLogPath is kube-apiserver's audit log.
	auditLogPath string
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(testScheme))
	utilruntime.Must(supportaccessv1alpha1.AddToScheme(testScheme))
}

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true), zap.Level(zapcore.ErrorLevel)))
	dir, err := os.MkdirTemp("", "console-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	policyPath := filepath.Join(dir, "audit-policy.yaml")
	auditLogPath = filepath.Join(dir, "audit.log")
	if err := os.WriteFile(policyPath, []byte(auditPolicy), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env, cfg, err := testutil.StartEnv(
		testutil.WithAPIServerFlag("audit-policy-file", policyPath),
		testutil.WithAPIServerFlag("audit-log-path", auditLogPath),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop control plane:", err)
		}
	}()
	testEnv, adminCfg = env, cfg
	if k8s, err = client.New(cfg, client.Options{Scheme: testScheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if kube, err = kubernetes.NewForConfig(cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := setUpBearerBase(dir); err != nil {
		fmt.Fprintln(os.Stderr, "set up the privileged base config:", err)
		return 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done, err := startControllers(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := warmUp(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "the controllers do not work:", err)
		cancel()
		<-done
		return 1
	}
	code := m.Run()
	if code == 0 {
		// Every request any test's console made, not only audit_test.go's.
		if err := sweepAudit(); err != nil {
			fmt.Fprintln(os.Stderr, "audit:", err)
			code = 1
		}
	}
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		code = 1
	}
	return code
}

// startControllers runs the grant and policy controllers as the operator does, as the admin.
func startControllers(ctx context.Context, cfg *rest.Config) (<-chan error, error) {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 testScheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  managercache.Options(),
		Client:                 managercache.ClientOptions(),
	})
	if err != nil {
		return nil, err
	}
	key, err := keyring.GenerateKey(1)
	if err != nil {
		return nil, err
	}
	ring, err := keyring.New(key)
	if err != nil {
		return nil, err
	}
	grants := &controllers.SupportAccessGrantReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Keyring:   ring,
		Scheme:    mgr.GetScheme(),
		Clock:     clock.RealClock{},
		Recorder:  mgr.GetEventRecorder("supportaccessgrant-controller"),
		Options: controllers.GrantOptions{
			LoginDomain:             "support.test",
			LoginURL:                testLoginURL,
			Limits:                  limits.Fixed(720 * time.Hour),
			LimitedClusterRole:      "supportaccess-limited",
			FullClusterRole:         "supportaccess-full",
			MaxConcurrentReconciles: 4,
			ConflictRetryInterval:   500 * time.Millisecond,
		},
	}
	if err := grants.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	policies := &controllers.AccountSessionPolicyReconciler{
		Client:   mgr.GetClient(),
		Clock:    clock.RealClock{},
		Recorder: mgr.GetEventRecorder("accountsessionpolicy-controller"),
	}
	if err := policies.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	return done, nil
}

// warmUp waits until both controllers have reconciled an object: the tests start with the
// controllers running (a short run, such as the unit tests alone, then stops them cleanly too).
func warmUp(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "warm-up-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		return err
	}
	grant := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "warm-up"}}
	policy := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "warm-up"}}
	if err := k8s.Create(ctx, grant); err != nil {
		return err
	}
	if err := k8s.Create(ctx, policy); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, poll, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(grant), grant); err != nil {
			return false, err
		}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(policy), policy); err != nil {
			return false, err
		}
		return grant.Status.Phase == supportaccessv1alpha1.GrantPhaseActive && policy.Status.ObservedGeneration > 0, nil
	})
}

// testLoginURL is the operator's login URL, which the credentials carry.
const testLoginURL = "https://app.example.com/login"
