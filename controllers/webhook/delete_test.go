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
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestDeleteWithWebhookServerDown: revoking access by deleting a grant must work when the webhook
// server is unreachable. The webhooks are not registered for DELETE, and the generated
// configurations' matchConditions skip objects being deleted, so the controller can remove its
// finalizer too. The namespace's webhook calls go to a closed port with failurePolicy Fail.
func TestDeleteWithWebhookServerDown(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t, modeOff)
	grant := newUnstructured(grantGVK, ns, "ticket", map[string]any{"duration": "24h"})
	// Held like the grant controller holds it, until access is removed.
	grant.SetFinalizers([]string{"supportaccess.io/revoke-access"})
	g.Expect(k8s.Create(ctx, grant)).To(Succeed())
	policy := newUnstructured(policyGVK, ns, "sessions", map[string]any{})
	g.Expect(k8s.Create(ctx, policy)).To(Succeed())

	setMode(t, ns, modeDown)
	// The webhook server is down for this namespace: edits fail.
	g.Eventually(func() error {
		latest := &unstructured.Unstructured{}
		latest.SetGroupVersionKind(grantGVK)
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(grant), latest); err != nil {
			return err
		}
		_ = unstructured.SetNestedField(latest.Object, "edit", "spec", "reason")
		return k8s.Update(ctx, latest)
	}, eventually, poll).Should(MatchError(ContainSubstring("failed calling webhook")))

	// Deletes go through, and so does the finalizer's removal afterwards.
	g.Expect(k8s.Delete(ctx, grant)).To(Succeed())
	g.Expect(k8s.Delete(ctx, policy)).To(Succeed())
	g.Eventually(func() error {
		latest := &unstructured.Unstructured{}
		latest.SetGroupVersionKind(grantGVK)
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(grant), latest); err != nil {
			return err
		}
		latest.SetFinalizers(nil)
		return k8s.Update(ctx, latest)
	}, eventually, poll).Should(Satisfy(apierrors.IsNotFound), "the grant is gone once its finalizer is removed")
	g.Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(policy), policy))).To(BeTrue())
}
