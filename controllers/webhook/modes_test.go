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
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/supportaccess/support-access-operator/internal/admissionpolicies"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/policy"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// notInModes selects the namespaces whose mode label is not one of modes.
func notInModes(modes ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: modeLabel, Operator: metav1.LabelSelectorOpNotIn, Values: modes}}}
}

// scopeInstalledWebhooks keeps the generated configurations away from "off", "down" and "policies"
// namespaces.
func scopeInstalledWebhooks(ctx context.Context) error {
	mutating := &admissionregistrationv1.MutatingWebhookConfigurationList{}
	if err := k8s.List(ctx, mutating); err != nil {
		return err
	}
	for i := range mutating.Items {
		c := &mutating.Items[i]
		for j := range c.Webhooks {
			c.Webhooks[j].NamespaceSelector = notInModes(modeOff, modeDown, modePolicies)
		}
		if err := k8s.Update(ctx, c); err != nil {
			return fmt.Errorf("scope %s: %w", c.Name, err)
		}
	}
	validating := &admissionregistrationv1.ValidatingWebhookConfigurationList{}
	if err := k8s.List(ctx, validating); err != nil {
		return err
	}
	for i := range validating.Items {
		c := &validating.Items[i]
		for j := range c.Webhooks {
			c.Webhooks[j].NamespaceSelector = notInModes(modeOff, modeDown, modePolicies)
		}
		if err := k8s.Update(ctx, c); err != nil {
			return fmt.Errorf("scope %s: %w", c.Name, err)
		}
	}
	return nil
}

// installDeadWebhooks installs copies of the generated configurations (same rules, same
// matchConditions) that send "down" namespaces to a port nothing listens on.
func installDeadWebhooks(ctx context.Context, opts envtest.WebhookInstallOptions) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	dead := "https://" + l.Addr().String()
	if err := l.Close(); err != nil {
		return err
	}
	down := &metav1.LabelSelector{MatchLabels: map[string]string{modeLabel: modeDown}}
	redirect := func(cc *admissionregistrationv1.WebhookClientConfig) {
		path := "/"
		if cc.URL != nil {
			if u, err := url.Parse(*cc.URL); err == nil {
				path = u.Path
			}
		}
		to := dead + path
		cc.URL, cc.Service = &to, nil
	}
	for _, src := range opts.MutatingWebhooks {
		c := src.DeepCopy()
		c.ObjectMeta = metav1.ObjectMeta{Name: "dead-" + src.Name}
		for j := range c.Webhooks {
			c.Webhooks[j].NamespaceSelector = down
			redirect(&c.Webhooks[j].ClientConfig)
		}
		if err := k8s.Create(ctx, c); err != nil {
			return fmt.Errorf("install %s: %w", c.Name, err)
		}
	}
	for _, src := range opts.ValidatingWebhooks {
		c := src.DeepCopy()
		c.ObjectMeta = metav1.ObjectMeta{Name: "dead-" + src.Name}
		for j := range c.Webhooks {
			c.Webhooks[j].NamespaceSelector = down
			redirect(&c.Webhooks[j].ClientConfig)
		}
		if err := k8s.Create(ctx, c); err != nil {
			return fmt.Errorf("install %s: %w", c.Name, err)
		}
	}
	return nil
}

// namespaceModes is the mode each namespace was created in: name -> mode.
var namespaceModes sync.Map

// newNamespace creates a namespace (an account) in the given webhook mode.
func newNamespace(t *testing.T, mode string) string {
	t.Helper()
	needControlPlane(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "account-", Labels: map[string]string{modeLabel: mode}}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	namespaceModes.Store(ns.Name, mode)
	return ns.Name
}

// waitForPolicyParams polls, in a "policies" namespace that holds an AccountSessionPolicy, until
// kube-apiserver's admission policies see it as a parameter: until a second policy is refused (a
// dry run). Elsewhere it returns at once.
func waitForPolicyParams(t *testing.T, ns string) {
	t.Helper()
	if mode, _ := namespaceModes.Load(ns); mode != modePolicies {
		return
	}
	NewWithT(t).Eventually(func() error {
		return k8s.Create(context.Background(), newUnstructured(policyGVK, ns, "", map[string]any{}), client.DryRunAll)
	}, eventually, poll).Should(MatchError(ContainSubstring("allows only one")), "the admission policies never saw the policy of %s", ns)
}

// setMode moves a namespace to another webhook mode. kube-apiserver reads namespace labels from its
// informer, so callers poll for the effect.
func setMode(t *testing.T, ns, mode string) {
	t.Helper()
	obj := &corev1.Namespace{}
	NewWithT(t).Eventually(func() error {
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: ns}, obj); err != nil {
			return err
		}
		obj.Labels[modeLabel] = mode
		return k8s.Update(context.Background(), obj)
	}, eventually, poll).Should(Succeed())
}

// installPolicies installs config/admission's policies for the "policies" namespaces, with the
// limits ConfigMap (the operator's cap, testMaxGrantDuration as the webhooks have it) where the
// bindings look for it, and waits until kube-apiserver enforces them.
func installPolicies(ctx context.Context) error {
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: limitsNamespace}}); err != nil {
		return fmt.Errorf("create %s: %w", limitsNamespace, err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: limitsNamespace, Name: "support-access-limits"},
		Data:       map[string]string{limits.KeyMaxGrantDuration: policy.FormatDuration(testMaxGrantDuration)},
	}
	if err := k8s.Create(ctx, cm); err != nil {
		return fmt.Errorf("create the limits ConfigMap: %w", err)
	}
	err := admissionpolicies.Install(ctx, k8s, admissionpolicies.Options{
		Dir:               filepath.Join(testutil.RepoRoot(), "config", "admission"),
		OperatorNamespace: limitsNamespace,
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{modeLabel: modePolicies}},
	})
	if err != nil {
		return err
	}
	// kube-apiserver compiles policies and loads their parameters from informers of its own: probe
	// until a grant over the operator's cap is refused (a dry run, so nothing is left behind).
	probeNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "probe-", Labels: map[string]string{modeLabel: modePolicies}}}
	if err := k8s.Create(ctx, probeNS); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		probe := newUnstructured(grantGVK, probeNS.Name, "probe", map[string]any{"duration": "9999h"})
		err := k8s.Create(ctx, probe, client.DryRunAll)
		if apierrors.IsInvalid(err) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the admission policies are not enforced after 30s (last answer: %v)", err)
		}
		time.Sleep(100 * time.Millisecond) // polling kube-apiserver for a state it reaches on its own
	}
}
