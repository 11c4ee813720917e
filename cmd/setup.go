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
	"time"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/supportaccess/support-access-operator/controllers"
	admissionwebhooks "github.com/supportaccess/support-access-operator/controllers/webhook"
	"github.com/supportaccess/support-access-operator/internal/auth"
)

// setupControllers registers the cache indexes, the controllers and their metrics with mgr.
func setupControllers(mgr ctrl.Manager, o *options) error {
	emails, err := controllers.RegisterIndexes(context.Background(), mgr.GetCache())
	if err != nil {
		return err
	}
	grants := &controllers.SupportAccessGrantReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Emails:    emails,
		Scheme:    mgr.GetScheme(),
		Clock:     clock.RealClock{},
		Recorder:  mgr.GetEventRecorder("supportaccessgrant-controller"),
		Options: controllers.GrantOptions{
			LoginDomain:             o.loginDomain,
			LoginURL:                o.loginURL,
			MaxGrantDuration:        o.maxGrantDuration,
			LimitedClusterRole:      o.limitedClusterRole,
			FullClusterRole:         o.fullClusterRole,
			MaxConcurrentReconciles: o.grantWorkers,
			ConflictRetryInterval:   30 * time.Second,
		},
	}
	if err := grants.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up SupportAccessGrant controller: %w", err)
	}
	if err := metrics.Registry.Register(controllers.NewGrantCollector(mgr.GetCache())); err != nil {
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
	if err := admissionwebhooks.SetupWebhooks(mgr, admissionwebhooks.Options{MaxGrantDuration: o.maxGrantDuration}); err != nil {
		return fmt.Errorf("set up admission webhooks: %w", err)
	}
	if err := mgr.AddReadyzCheck("webhooks", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return fmt.Errorf("add webhook ready check: %w", err)
	}
	return nil
}

// setupAuth adds the auth service (every replica) and its session upkeep to mgr.
func setupAuth(ctx context.Context, mgr ctrl.Manager, o *options) error {
	addr := o.authAddr
	if addr == "0" {
		addr = ""
	}
	if _, err := auth.Setup(ctx, mgr, auth.Options{
		Addr:             addr,
		CertDir:          o.authCertDir,
		MaxGrantDuration: o.maxGrantDuration,
		TrustedProxies:   o.trustedProxies,
	}); err != nil {
		return fmt.Errorf("set up auth service: %w", err)
	}
	return nil
}
