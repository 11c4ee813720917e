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
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/managercache"
)

// The cache keeps only part of what a tenant writes (internal/managercache). The controller must still see,
// through the trimmed copies, every edit it has to undo, and its merge patches from them must
// leave alone what the cache dropped.

func TestCacheTrimmedTenantEditsAreUndone(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	grant := newGrant(t, ns, "trimmed", nil)
	key := client.ObjectKeyFromObject(grant)
	active := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	want := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "supportaccess:" + active.Status.LoginEmail}}
	big := strings.Repeat("a", 200<<10)

	// A grant annotated by its tenant keeps the annotation through the controller's writes.
	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		if gr.Annotations == nil {
			gr.Annotations = map[string]string{}
		}
		gr.Annotations["tenant.example.com/big"] = big
	})

	// 1,000 extra subjects: the cache holds 4, which still differ from the one wanted.
	rbKey := types.NamespacedName{Namespace: ns, Name: RoleBindingName(grant)}
	rb := &rbacv1.RoleBinding{}
	g.Expect(k8s.Get(ctx, rbKey, rb)).To(Succeed())
	for i := range 1000 {
		rb.Subjects = append(rb.Subjects, rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: fmt.Sprintf("tenant-%d", i)})
	}
	rb.Annotations = map[string]string{"tenant.example.com/big": big}
	g.Expect(k8s.Update(ctx, rb)).To(Succeed())
	g.Eventually(func() ([]rbacv1.Subject, error) {
		got := &rbacv1.RoleBinding{}
		err := k8s.Get(ctx, rbKey, got)
		return got.Subjects, err
	}, eventually, poll).Should(Equal(want), "the binding's extra subjects are removed")

	// Values over the cache's bounds are cached as absent, and written again.
	secretKey := types.NamespacedName{Namespace: ns, Name: active.Status.SecretName}
	s, err := getSecret(secretKey)
	g.Expect(err).NotTo(HaveOccurred())
	password := string(s.Data[supportaccessv1alpha1.SecretKeyPassword])
	s.Data[supportaccessv1alpha1.SecretKeyEmail] = []byte(active.Status.LoginEmail + strings.Repeat("x", managercache.MaxEmailBytes))
	s.Data[supportaccessv1alpha1.SecretKeyLoginURL] = []byte(testLoginURL + strings.Repeat("x", managercache.MaxLoginURLBytes))
	s.Annotations = map[string]string{"tenant.example.com/big": big}
	g.Expect(k8s.Update(ctx, s)).To(Succeed())
	g.Eventually(func() (string, error) {
		s, err := getSecret(secretKey)
		return string(s.Data[supportaccessv1alpha1.SecretKeyEmail]) + " " + string(s.Data[supportaccessv1alpha1.SecretKeyLoginURL]), err
	}, eventually, poll).Should(Equal(active.Status.LoginEmail + " " + testLoginURL))

	s, err = getSecret(secretKey)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(s.Data[supportaccessv1alpha1.SecretKeyPassword])).To(Equal(password), "the password is kept")
	g.Expect(s.Annotations).To(HaveKey("tenant.example.com/big"), "a merge patch from the trimmed copy removed an annotation")
	g.Expect(k8s.Get(ctx, rbKey, rb)).To(Succeed())
	g.Expect(rb.Annotations).To(HaveKey("tenant.example.com/big"))
	after := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	g.Expect(after.Annotations).To(HaveKey("tenant.example.com/big"))
	g.Expect(after.Status.LoginEmail).To(Equal(active.Status.LoginEmail))
	g.Expect(after.Finalizers).To(ContainElement(supportaccessv1alpha1.GrantFinalizer))

	// A tenant's own labelled Secret of another type never enters the cache.
	opaque := &corev1.Secret{}
	opaque.Namespace, opaque.Name = ns, "opaque"
	opaque.Labels = map[string]string{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue}
	opaque.Data = map[string][]byte{"blob": []byte(big)}
	g.Expect(k8s.Create(ctx, opaque)).To(Succeed())
	g.Consistently(func() bool {
		return isNotFound(mgrCache.Get(ctx, client.ObjectKeyFromObject(opaque), &corev1.Secret{}))
	}, "500ms", "100ms").Should(BeTrue(), "a labelled Opaque Secret was cached")
}
