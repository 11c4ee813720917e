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

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/supportaccess/support-access-operator/controllers"
	admissionwebhooks "github.com/supportaccess/support-access-operator/controllers/webhook"
	"github.com/supportaccess/support-access-operator/internal/auth"
	"github.com/supportaccess/support-access-operator/internal/console"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/managercache"
)

// setupKeyring loads the operator's keys (creating them on the first start) and keeps them fresh
// on every replica.
func setupKeyring(ctx context.Context, mgr ctrl.Manager, cfg *rest.Config, o *options) (*keyring.Keyring, error) {
	// The keyring Secret is outside the manager's cache (credentials Secrets only): read it direct.
	direct, err := client.New(cfg, client.Options{Scheme: mgr.GetScheme()})
	if err != nil {
		return nil, fmt.Errorf("create API client: %w", err)
	}
	key := types.NamespacedName{Namespace: o.operatorNamespace, Name: o.keyringSecret}
	ring, err := keyring.LoadOrCreate(ctx, direct, key)
	if err != nil {
		return nil, fmt.Errorf("load the keyring (--operator-namespace, --keyring-secret): %w", err)
	}
	if err := mgr.Add(&keyring.Refresher{Client: direct, Key: key, Ring: ring, Clock: clock.RealClock{}, Log: ctrl.Log.WithName("keyring")}); err != nil {
		return nil, fmt.Errorf("add keyring refresher: %w", err)
	}
	setupLog.Info("Loaded the keyring", "secret", key.String(), "keyIDs", ring.KeyIDs(), "signingKeyID", ring.SigningKeyID())
	return ring, nil
}

// setupLimits reads the operator's limits ConfigMap (--limits-configmap) on every replica, with
// --max-grant-duration in force until it is read and whenever it sets none. The manager is not
// ready until it has been read, so no replica serves or admits on the fallback by mistake.
func setupLimits(ctx context.Context, mgr ctrl.Manager, o *options) (*limits.Limits, error) {
	lim := limits.NewWatcher(o.limitsConfigMap.Namespace, o.limitsConfigMap.Name, o.maxGrantDuration,
		mgr.GetEventRecorder("supportaccess-limits"), ctrl.Log.WithName("limits"))
	synced, err := managercache.WatchConfigMap(ctx, mgr, o.limitsConfigMap, lim.Handler())
	if err != nil {
		return nil, fmt.Errorf("operator limits (--limits-configmap): %w", err)
	}
	if err := mgr.AddReadyzCheck("limits", func(*http.Request) error {
		if !synced() {
			return fmt.Errorf("the limits ConfigMap %s has not been read yet", o.limitsConfigMap)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("add limits ready check: %w", err)
	}
	return lim, nil
}

// operatorNamespace is where the manager runs: $POD_NAMESPACE (the Deployment sets it), else the
// pod's service account namespace, else "default" (a local run).
func operatorNamespace() string {
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	if raw, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil && len(raw) > 0 {
		return strings.TrimSpace(string(raw))
	}
	return "default"
}

// setupControllers registers the controllers and their metrics with mgr.
func setupControllers(mgr ctrl.Manager, o *options, ring *keyring.Keyring, lim *limits.Limits) error {
	grants := &controllers.SupportAccessGrantReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Keyring:   ring,
		Scheme:    mgr.GetScheme(),
		Clock:     clock.RealClock{},
		Recorder:  mgr.GetEventRecorder("supportaccessgrant-controller"),
		Options: controllers.GrantOptions{
			LoginDomain:             o.loginDomain,
			LoginURL:                o.loginURL,
			Limits:                  lim,
			LimitedClusterRole:      o.limitedClusterRole,
			FullClusterRole:         o.fullClusterRole,
			MaxConcurrentReconciles: o.grantWorkers,
			ConflictRetryInterval:   30 * time.Second,
		},
	}
	if err := grants.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up SupportAccessGrant controller: %w", err)
	}
	if err := metrics.Registry.Register(controllers.NewGrantCollector(mgr.GetCache(), ring)); err != nil {
		return fmt.Errorf("register grant metrics: %w", err)
	}

	policies := &controllers.AccountSessionPolicyReconciler{
		Client:   mgr.GetClient(),
		Clock:    clock.RealClock{},
		Recorder: mgr.GetEventRecorder("accountsessionpolicy-controller"),
	}
	if err := policies.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up AccountSessionPolicy controller: %w", err)
	}

	if o.disableWebhooks {
		return nil
	}
	if err := admissionwebhooks.SetupWebhooks(mgr, admissionwebhooks.Options{Limits: lim}); err != nil {
		return fmt.Errorf("set up admission webhooks: %w", err)
	}
	if err := mgr.AddReadyzCheck("webhooks", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return fmt.Errorf("add webhook ready check: %w", err)
	}
	return nil
}

// setupAuth adds the auth service (every replica) and its session upkeep to mgr.
func setupAuth(ctx context.Context, mgr ctrl.Manager, o *options, ring *keyring.Keyring, lim *limits.Limits) error {
	addr := o.authAddr
	if addr == "0" {
		addr = ""
	}
	if _, err := auth.Setup(ctx, mgr, auth.Options{
		Addr:                addr,
		CertDir:             o.authCertDir,
		Limits:              lim,
		TrustedProxies:      o.trustedProxies,
		ForwardHeaders:      o.forwardHeaders,
		PageRules:           o.pageRules,
		ReturnHosts:         o.returnHosts,
		Keyring:             ring,
		MaxSessionsPerGrant: o.maxSessions,
	}); err != nil {
		return fmt.Errorf("set up auth service: %w", err)
	}
	return nil
}

// setupConsole adds the account admins' console (every replica) to mgr when
// --console-bind-address is set. Its only use of cfg is the API server's address and CA: each
// request acts with the user's own bearer token (console.NewBearerTokens).
func setupConsole(mgr ctrl.Manager, cfg *rest.Config, o *options, lim *limits.Limits) error {
	if o.consoleAddr == "" || o.consoleAddr == "0" {
		return nil
	}
	c, err := console.New(console.Options{
		Mode:   console.NewBearerTokens(cfg),
		Limits: lim,
		Log:    ctrl.Log.WithName("console"),
	})
	if err != nil {
		return fmt.Errorf("set up the console: %w", err)
	}
	return mgr.Add(&console.Runnable{Addr: o.consoleAddr, CertDir: o.consoleCertDir, Console: c})
}
