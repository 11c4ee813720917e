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
	"net"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/supportaccess/support-access-operator/internal/admissionpolicies"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// The admission paths of -admission.
const (
	// admissionPolicies is the default path, as deployed on Kubernetes 1.36 and later:
	// config/admission's policies, evaluated by kube-apiserver in process, with the limits
	// ConfigMap they take as a parameter; the managers serve no webhook.
	admissionPolicies = "policies"
	// admissionWebhooks is the fallback of older clusters: the webhooks of config/webhook,
	// registered with kube-apiserver and served by the first manager of each phase.
	admissionWebhooks = "webhooks"
	// admissionNone is neither: the managers run with --disable-webhooks and nothing is installed.
	admissionNone = "none"
)

const (
	// operatorNamespace is the managers' namespace: they run without --operator-namespace outside
	// a cluster, which makes it "default" (their keyring Secret is there too).
	operatorNamespace = "default"
	// limitsConfigMap is the operator's limits ConfigMap (config/manager/limits.yaml), in
	// operatorNamespace, and limitsMaxGrantDuration its maxGrantDuration as deployed.
	limitsConfigMap        = "support-access-limits"
	limitsMaxGrantDuration = "720h"
	// admissionTimeout bounds the wait until kube-apiserver enforces the installed policies.
	admissionTimeout = time.Minute
)

// admissionDescription says, for the report's header, what mode means.
func admissionDescription(mode string) string {
	switch mode {
	case admissionPolicies:
		return "`-admission=policies`: config/admission's admission policies and the limits ConfigMap (" +
			operatorNamespace + "/" + limitsConfigMap + ", maxGrantDuration " + limitsMaxGrantDuration + ") in every " +
			"phase's control plane, the baselines' included; managers with `--disable-webhooks --limits-configmap " +
			operatorNamespace + "/" + limitsConfigMap + "`; no webhook"
	case admissionWebhooks:
		return "`-admission=webhooks`: config/webhook's admission webhooks, registered when a phase's first manager " +
			"starts and served by it; phases without a manager (baselines) have none"
	default:
		return "`-admission=none`: managers with `--disable-webhooks`, no admission policy, no webhook"
	}
}

// installAdmission installs, with -admission=policies, config/admission's policies and the limits
// ConfigMap in the phase's control plane, as config/default does, and waits until kube-apiserver
// enforces them: startEnv calls it once per control plane, before its warm-up and before any
// manager starts.
//
// Every phase gets them, the baselines' included. The policies are kube-apiserver's own: in a
// deployment every grant write pays for them, whoever writes it, and a baseline writing grants by
// hand through a kube-apiserver that has them pays the same admission cost, in the same process,
// as the operator phase's clients. A baseline without them would charge the operator for
// kube-apiserver's work on the bench's own creates, which no manager change can remove, and the
// ratio would no longer compare the manager's work with the same writes by hand. The webhooks
// (-admission=webhooks) cannot be given to a baseline: they are served by a manager, which a
// baseline does not run, so their cost stays on the operator's side, as before.
func (e *env) installAdmission(ctx context.Context) error {
	if e.b.opts.admission != admissionPolicies {
		return nil
	}
	began := time.Now()
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: limitsConfigMap},
		Data:       map[string]string{limits.KeyMaxGrantDuration: limitsMaxGrantDuration},
	}
	if err := e.c.Create(ctx, cm); err != nil {
		return fmt.Errorf("create the limits ConfigMap: %w", err)
	}
	err := admissionpolicies.Install(ctx, e.c, admissionpolicies.Options{
		Dir:               filepath.Join(testutil.RepoRoot(), "config", "admission"),
		OperatorNamespace: operatorNamespace,
	})
	if err != nil {
		return fmt.Errorf("install the admission policies: %w", err)
	}
	if err := admissionpolicies.WaitEnforced(ctx, e.c, benchNamespace, admissionTimeout); err != nil {
		return err
	}
	e.b.logf("%s: admission policies enforced in %s", e.name, time.Since(began).Round(time.Millisecond))
	return nil
}

// admissionArgs returns the admission flags of the next manager. With -admission=webhooks, the
// first manager of a phase serves the admission webhooks, registered now as make run-local did
// before the policies (the generated configurations pointed at it on loopback, with a CA generated
// now); later ones serve them on ports of their own that kube-apiserver does not call.
func (e *env) admissionArgs() ([]string, error) {
	switch e.b.opts.admission {
	case admissionPolicies:
		return []string{"--disable-webhooks", "--limits-configmap", operatorNamespace + "/" + limitsConfigMap}, nil
	case admissionNone:
		return []string{"--disable-webhooks"}, nil
	}
	addr, err := managerproc.FreeAddress()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	if e.webhooks == nil {
		p, _ := strconv.Atoi(port)
		e.webhooks = &envtest.WebhookInstallOptions{
			Paths:            []string{filepath.Join(testutil.RepoRoot(), "config", "webhook")},
			LocalServingHost: "127.0.0.1",
			LocalServingPort: p,
		}
		if err := e.webhooks.Install(e.cluster.Config); err != nil {
			return nil, fmt.Errorf("register admission webhooks: %w", err)
		}
	}
	return []string{"--webhook-cert-dir", e.webhooks.LocalServingCertDir, "--webhook-port", port}, nil
}
