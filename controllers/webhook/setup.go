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
	"errors"
	"fmt"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/limits"
)

// Paths the webhooks are served on; the +kubebuilder:webhook markers name the same paths.
const (
	GrantMutatePath    = "/mutate-supportaccess-io-v1alpha1-supportaccessgrant"
	GrantValidatePath  = "/validate-supportaccess-io-v1alpha1-supportaccessgrant"
	PolicyMutatePath   = "/mutate-supportaccess-io-v1alpha1-accountsessionpolicy"
	PolicyValidatePath = "/validate-supportaccess-io-v1alpha1-accountsessionpolicy"
)

// Options are the operator-wide settings the webhooks enforce.
type Options struct {
	// Limits hold the operator's grant cap: no grant may ask for more, whatever its account's
	// policy says; required.
	Limits *limits.Limits
	// Clock reads the time for the renewedAt rule and for telling live grants from expired ones.
	// Nil means the real clock.
	Clock clock.PassiveClock
}

// SetupWebhooks registers the defaulting and validating webhooks of both kinds with mgr's webhook
// server. The validators read AccountSessionPolicies and grants through the manager's cache, and
// the other policies of a namespace live from the API when a policy is created.
func SetupWebhooks(mgr ctrl.Manager, opts Options) error {
	if opts.Limits == nil {
		return errors.New("admission webhooks: no operator limits")
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	server := mgr.GetWebhookServer()
	scheme := mgr.GetScheme()

	// The defaulting webhooks are registered by hand rather than through the builder's
	// WithDefaulter: see defaultingHandler for why the builder's patch would rewrite user values.
	server.Register(GrantMutatePath, &admission.Webhook{
		Handler: newDefaultingHandler[*supportaccessv1alpha1.SupportAccessGrant](scheme, &SupportAccessGrantDefaulter{}, "duration"),
	})
	server.Register(PolicyMutatePath, &admission.Webhook{
		Handler: newDefaultingHandler[*supportaccessv1alpha1.AccountSessionPolicy](scheme, &AccountSessionPolicyDefaulter{}, "maxSessionLifetime", "maxGrantDuration"),
	})

	if err := ctrl.NewWebhookManagedBy(mgr, &supportaccessv1alpha1.SupportAccessGrant{}).
		WithValidator(&SupportAccessGrantValidator{
			Reader: mgr.GetClient(),
			Limits: opts.Limits,
			Clock:  clk,
		}).
		WithValidatorCustomPath(GrantValidatePath).
		Complete(); err != nil {
		return fmt.Errorf("set up SupportAccessGrant webhooks: %w", err)
	}
	if err := ctrl.NewWebhookManagedBy(mgr, &supportaccessv1alpha1.AccountSessionPolicy{}).
		WithValidator(&AccountSessionPolicyValidator{
			Reader:    mgr.GetClient(),
			APIReader: mgr.GetAPIReader(),
			Limits:    opts.Limits,
			Clock:     clk,
		}).
		WithValidatorCustomPath(PolicyValidatePath).
		Complete(); err != nil {
		return fmt.Errorf("set up AccountSessionPolicy webhooks: %w", err)
	}
	return nil
}
