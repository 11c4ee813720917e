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
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// Tenants of an account namespace can write Secrets and RoleBindings there. None of it may choose
// a grant's login email, password or binding.

func TestPlantedSecretNeverChoosesCredentials(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	victim := newGrant(t, newNamespace(t), "victim", nil)
	victimEmail := waitForPhase(t, client.ObjectKeyFromObject(victim), supportaccessv1alpha1.GrantPhaseActive).Status.LoginEmail

	ns := newNamespace(t)
	planted := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "planted"},
		Type:       supportaccessv1alpha1.SecretTypeCredentials,
		StringData: map[string]string{"email": victimEmail, "password": "chosen-by-the-tenant"},
	}
	g.Expect(k8s.Create(ctx, planted)).To(Succeed())
	att := newGrant(t, ns, "att", func(gr *supportaccessv1alpha1.SupportAccessGrant) { gr.Spec.SecretName = "planted" })
	key := client.ObjectKeyFromObject(att)
	g.Eventually(func() string {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		_ = k8s.Get(ctx, key, gr)
		if c := meta.FindStatusCondition(gr.Status.Conditions, supportaccessv1alpha1.ConditionReady); c != nil {
			return c.Reason
		}
		return ""
	}, eventually, poll).Should(Equal(supportaccessv1alpha1.ReasonSecretConflict))

	// The tenant then dresses the Secret up as the grant's own.
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(planted), planted)).To(Succeed())
	planted.Labels = map[string]string{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue}
	planted.OwnerReferences = []metav1.OwnerReference{{APIVersion: supportaccessv1alpha1.GroupVersion.String(),
		Kind: "SupportAccessGrant", Name: "att", UID: att.UID, Controller: ptr.To(true)}}
	g.Expect(k8s.Update(ctx, planted)).To(Succeed())

	active := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	g.Expect(active.Status.LoginEmail).NotTo(Equal(victimEmail), "a login email taken from a tenant's Secret")
	s, err := getSecret(types.NamespacedName{Namespace: ns, Name: "planted"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(s.Data["email"])).To(Equal(active.Status.LoginEmail))
	g.Expect(string(s.Data["password"])).NotTo(Equal("chosen-by-the-tenant"))
}

func TestForeignRoleBindingIsNeverTakenOver(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	foreign := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "supportaccess-bound"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "someone"}},
	}
	g.Expect(k8s.Create(ctx, foreign)).To(Succeed())
	grant := newGrant(t, ns, "bound", nil)
	key := client.ObjectKeyFromObject(grant)
	g.Eventually(func() (string, error) {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		err := k8s.Get(ctx, key, gr)
		c := meta.FindStatusCondition(gr.Status.Conditions, supportaccessv1alpha1.ConditionReady)
		if c == nil {
			return string(gr.Status.Phase), err
		}
		return string(gr.Status.Phase) + "/" + c.Reason, err
	}, eventually, poll).Should(Equal("Pending/" + ReasonRoleBindingConflict))
	after := &rbacv1.RoleBinding{}
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(foreign), after)).To(Succeed())
	g.Expect(after.ResourceVersion).To(Equal(foreign.ResourceVersion))

	g.Expect(k8s.Delete(ctx, foreign)).To(Succeed())
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
}

func TestRenewalFarInTheFutureGivesNoAccess(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	// Only the webhook refuses this (the suite runs none): the controller must not honour it.
	grant := newGrant(t, ns, "future", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.RenewedAt = &metav1.Time{Time: time.Now().Add(365 * 24 * time.Hour)}
	})
	key := client.ObjectKeyFromObject(grant)
	g.Eventually(func() string {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		_ = k8s.Get(context.Background(), key, gr)
		if c := meta.FindStatusCondition(gr.Status.Conditions, supportaccessv1alpha1.ConditionReady); c != nil {
			return c.Reason
		}
		return ""
	}, eventually, poll).Should(Equal("NotYetValid"))
	_, err := getSecret(types.NamespacedName{Namespace: ns, Name: "future-credentials"})
	g.Expect(isNotFound(err)).To(BeTrue(), "no credentials for a window that has not started")
}
