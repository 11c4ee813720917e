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

package controllers

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

const (
	// deleteFaultFor is how long Secret deletes keep failing after the later grant's first failure:
	// long enough that controller-runtime's uncapped backoff (5 ms doubling) has its next retry
	// about 10 s away when the fault clears.
	deleteFaultFor = 11 * time.Second
	// retriedWithin is the grant controller's backoff cap (2 s) plus slack for one reconcile.
	retriedWithin = 3 * time.Second
)

// TestRetryAfterFailedDelete makes kube-apiserver refuse every Secret delete in the test's
// namespace (a ValidatingAdmissionPolicy) while one grant is revoked and another expires, then
// lifts the refusal. Nothing the controller watches changes when it does, so only its retry of
// the failed reconciles can remove the Secrets: they must be gone within the backoff cap (plus a
// reconcile) of the fault clearing, however long it lasted.
func TestRetryAfterFailedDelete(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	clearFault := denySecretDeletes(t, ns)

	revoked := newGrant(t, ns, "revoked", nil)
	expiring := newGrant(t, ns, "expiring", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: 15 * time.Minute}
		gr.Spec.RenewedAt = &metav1.Time{Time: time.Now().Add(-15*time.Minute + 3*time.Second)}
	})
	waitForPhase(t, client.ObjectKeyFromObject(revoked), supportaccessv1alpha1.GrantPhaseActive)
	expiresAt := waitForPhase(t, client.ObjectKeyFromObject(expiring), supportaccessv1alpha1.GrantPhaseActive).Status.ExpiresAt.Time
	g.Expect(expiresAt).To(BeTemporally(">", time.Now()), "the grant expired before the test could watch it")
	errorsBefore, _ := gaugeValue(t, "controller_runtime_reconcile_errors_total", map[string]string{"controller": "supportaccessgrant"})
	patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"revoked":true}}`))
	g.Expect(k8s.Patch(ctx, revoked.DeepCopy(), patch)).To(Succeed())

	secrets := []types.NamespacedName{
		{Namespace: ns, Name: revoked.CredentialsSecretName()},
		{Namespace: ns, Name: expiring.CredentialsSecretName()},
	}
	bothExist := func() bool {
		for _, key := range secrets {
			if _, err := getSecret(key); err != nil {
				return false
			}
		}
		return true
	}
	hold := time.Until(expiresAt.Add(deleteFaultFor))
	g.Consistently(bothExist, hold, 100*time.Millisecond).Should(BeTrue(), "a Secret went away while deletes were refused")
	errorsDuring, _ := gaugeValue(t, "controller_runtime_reconcile_errors_total", map[string]string{"controller": "supportaccessgrant"})
	g.Expect(errorsDuring-errorsBefore).To(BeNumerically(">", 0), "no reconcile failed: the fault was not injected")

	cleared := clearFault()
	var gone time.Time
	g.Eventually(func() bool {
		for _, key := range secrets {
			if _, err := getSecret(key); !isNotFound(err) {
				return false
			}
		}
		gone = time.Now()
		return true
	}, 30*time.Second, 10*time.Millisecond).Should(BeTrue(), "Secrets never deleted after the fault cleared")
	t.Logf("Secret deletes refused for %s after expiry (%.0f failed reconciles); both Secrets gone %s after the fault cleared",
		cleared.Sub(expiresAt).Round(time.Millisecond), errorsDuring-errorsBefore, gone.Sub(cleared).Round(time.Millisecond))
	g.Expect(gone.Sub(cleared)).To(BeNumerically("<", retriedWithin),
		"failed deletes retried %s after the fault cleared; the backoff cap promises 2 s", gone.Sub(cleared).Round(time.Millisecond))
	waitForPhase(t, client.ObjectKeyFromObject(revoked), supportaccessv1alpha1.GrantPhaseRevoked)
	waitForPhase(t, client.ObjectKeyFromObject(expiring), supportaccessv1alpha1.GrantPhaseExpired)
}

// denySecretDeletes installs a ValidatingAdmissionPolicy refusing every Secret delete in ns and
// waits until kube-apiserver enforces it. The returned func removes it, waits until deletes are
// accepted again and returns when that was first seen.
func denySecretDeletes(t *testing.T, ns string) func() time.Time {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	name := "deny-secret-deletes-" + ns
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Delete},
						Rule: admissionregistrationv1.Rule{
							APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"secrets"},
						},
					},
				}},
			},
			Validations: []admissionregistrationv1.Validation{{Expression: "false", Message: "injected fault: Secret deletes refused"}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}},
			},
		},
	}
	g.Expect(k8s.Create(ctx, policy)).To(Succeed())
	g.Expect(k8s.Create(ctx, binding)).To(Succeed())
	remove := func() {
		for _, obj := range []client.Object{binding, policy} {
			if err := k8s.Delete(ctx, obj); err != nil && !isNotFound(err) {
				t.Errorf("remove fault: %v", err)
			}
		}
	}
	t.Cleanup(remove)

	// A dry-run delete of a canary goes through admission without deleting anything.
	canary := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "canary"}}
	g.Expect(k8s.Create(ctx, canary)).To(Succeed())
	deleteAccepted := func() bool { return k8s.Delete(ctx, canary, client.DryRunAll) == nil }
	g.Eventually(deleteAccepted, 30*time.Second, 20*time.Millisecond).Should(BeFalse(), "the admission policy never took effect")
	return func() time.Time {
		remove()
		g.Eventually(deleteAccepted, 30*time.Second, 10*time.Millisecond).Should(BeTrue(), "Secret deletes still refused after removing the policy")
		return time.Now()
	}
}
