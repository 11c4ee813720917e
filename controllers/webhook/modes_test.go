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
	"testing"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// notInModes selects the namespaces whose mode label is not one of modes.
func notInModes(modes ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: modeLabel, Operator: metav1.LabelSelectorOpNotIn, Values: modes}}}
}

// scopeInstalledWebhooks keeps the generated configurations away from "off" and "down" namespaces.
func scopeInstalledWebhooks(ctx context.Context) error {
	mutating := &admissionregistrationv1.MutatingWebhookConfigurationList{}
	if err := k8s.List(ctx, mutating); err != nil {
		return err
	}
	for i := range mutating.Items {
		c := &mutating.Items[i]
		for j := range c.Webhooks {
			c.Webhooks[j].NamespaceSelector = notInModes(modeOff, modeDown)
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
			c.Webhooks[j].NamespaceSelector = notInModes(modeOff, modeDown)
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

// newNamespace creates a namespace (an account) in the given webhook mode.
func newNamespace(t *testing.T, mode string) string {
	t.Helper()
	needControlPlane(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "account-", Labels: map[string]string{modeLabel: mode}}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
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
