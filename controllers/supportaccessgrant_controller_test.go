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
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
)

const (
	eventually = 10 * time.Second
	poll       = 20 * time.Millisecond
)

// newGrant creates a grant and returns it; mutate adjusts it before the create.
func newGrant(t *testing.T, ns, name string, mutate func(*supportaccessv1alpha1.SupportAccessGrant)) *supportaccessv1alpha1.SupportAccessGrant {
	t.Helper()
	g := &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{Reason: "Ticket #4711: campaign sends fail"},
	}
	if mutate != nil {
		mutate(g)
	}
	if err := k8s.Create(context.Background(), g); err != nil {
		t.Fatalf("create grant: %v", err)
	}
	return g
}

// waitForPhase polls the stored grant until it reaches phase, and returns it.
func waitForPhase(t *testing.T, key types.NamespacedName, phase supportaccessv1alpha1.GrantPhase) *supportaccessv1alpha1.SupportAccessGrant {
	t.Helper()
	g := NewWithT(t)
	grant := &supportaccessv1alpha1.SupportAccessGrant{}
	g.Eventually(func() (supportaccessv1alpha1.GrantPhase, error) {
		err := k8s.Get(context.Background(), key, grant)
		return grant.Status.Phase, err
	}, eventually, poll).Should(Equal(phase), "grant %s phase", key)
	return grant
}

func getSecret(key types.NamespacedName) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	return s, k8s.Get(context.Background(), key, s)
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

// updateGrant applies mutate to the stored grant, retrying on conflicts with the controller.
func updateGrant(t *testing.T, key types.NamespacedName, mutate func(*supportaccessv1alpha1.SupportAccessGrant)) {
	t.Helper()
	NewWithT(t).Eventually(func() error {
		g := &supportaccessv1alpha1.SupportAccessGrant{}
		if err := k8s.Get(context.Background(), key, g); err != nil {
			return err
		}
		mutate(g)
		return k8s.Update(context.Background(), g)
	}, eventually, poll).Should(Succeed())
}

// waitForEvent polls until an event with reason regarding the grant exists, and returns its note.
func waitForEvent(t *testing.T, ns, name, reason string) string {
	t.Helper()
	var note string
	NewWithT(t).Eventually(func() bool {
		events, err := grantEvents(context.Background(), ns, name)
		if err != nil {
			return false
		}
		for _, e := range events {
			if e.Reason == reason {
				note = e.Note
				return true
			}
		}
		return false
	}, eventually, poll).Should(BeTrue(), "event %s on grant %s/%s", reason, ns, name)
	return note
}

func TestIssue(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	created := newGrant(t, ns, "ticket-1", nil)
	key := client.ObjectKeyFromObject(created)

	grant := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	secret, err := getSecret(types.NamespacedName{Namespace: ns, Name: "ticket-1-credentials"})
	g.Expect(err).NotTo(HaveOccurred())

	// The Secret (docs/reference.md#credentials-secret).
	g.Expect(secret.Type).To(Equal(corev1.SecretType(supportaccessv1alpha1.SecretTypeCredentials)))
	g.Expect(secret.Labels).To(HaveKeyWithValue(supportaccessv1alpha1.LabelManagedBy, supportaccessv1alpha1.ManagedByValue))
	g.Expect(secret.Labels).To(HaveKeyWithValue(supportaccessv1alpha1.LabelGrant, "ticket-1"))
	g.Expect(metav1.IsControlledBy(secret, grant)).To(BeTrue(), "controller owner reference to the grant")
	email := string(secret.Data[supportaccessv1alpha1.SecretKeyEmail])
	password := string(secret.Data[supportaccessv1alpha1.SecretKeyPassword])
	g.Expect(email).To(MatchRegexp(`^support-[a-z0-9]{24}@` + testLoginDomain + `$`))
	g.Expect(credentials.VerifyLoginEmail(testKeyring, grant.UID, email)).To(BeTrue(), "the email is bound to the grant's UID")
	g.Expect(password).To(HaveLen(credentials.PasswordLength))
	g.Expect(string(secret.Data[supportaccessv1alpha1.SecretKeyLoginURL])).To(Equal(testLoginURL))

	// The status.
	wantExpiry := grant.CreationTimestamp.Add(168 * time.Hour)
	g.Expect(grant.Status.LoginEmail).To(Equal(email))
	g.Expect(grant.Status.SecretName).To(Equal("ticket-1-credentials"))
	g.Expect(grant.Status.IssuedAt).NotTo(BeNil())
	g.Expect(grant.Status.ExpiresAt.Time).To(BeTemporally("==", wantExpiry))
	g.Expect(string(secret.Data[supportaccessv1alpha1.SecretKeyExpiresAt])).To(Equal(wantExpiry.UTC().Format(time.RFC3339)))
	g.Expect(grant.Status.ObservedGeneration).To(Equal(grant.Generation))
	ready := meta.FindStatusCondition(grant.Status.Conditions, supportaccessv1alpha1.ConditionReady)
	g.Expect(ready).NotTo(BeNil())
	g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(ready.Reason).To(Equal(supportaccessv1alpha1.ReasonIssued))
	g.Expect(ready.ObservedGeneration).To(Equal(grant.Generation))
	g.Expect(grant.Finalizers).To(ContainElement(supportaccessv1alpha1.GrantFinalizer))

	// The RoleBinding (docs/reference.md#support-user-rbac): Limited by default.
	rb := &rbacv1.RoleBinding{}
	g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "supportaccess-ticket-1"}, rb)).To(Succeed())
	g.Expect(rb.RoleRef.Name).To(Equal("supportaccess-limited"))
	g.Expect(rb.Subjects).To(ConsistOf(rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "supportaccess:" + email}))
	g.Expect(metav1.IsControlledBy(rb, grant)).To(BeTrue())

	// The event carries the reason text, never the password.
	note := waitForEvent(t, ns, "ticket-1", supportaccessv1alpha1.ReasonIssued)
	g.Expect(note).To(ContainSubstring("Ticket #4711"))
	g.Expect(note).To(ContainSubstring(email))
	g.Expect(note).NotTo(ContainSubstring(password))
}

func TestCustomSecretNameAndFullAccess(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := newGrant(t, ns, "custom", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.SecretName = "support-login"
		gr.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	})
	waitForPhase(t, client.ObjectKeyFromObject(grant), supportaccessv1alpha1.GrantPhaseActive)
	_, err := getSecret(types.NamespacedName{Namespace: ns, Name: "support-login"})
	g.Expect(err).NotTo(HaveOccurred())
	rb := &rbacv1.RoleBinding{}
	g.Expect(k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "supportaccess-custom"}, rb)).To(Succeed())
	g.Expect(rb.RoleRef.Name).To(Equal("supportaccess-full"))
}

func TestEmailsUniqueAcrossGrants(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	const n = 40
	for i := range n {
		newGrant(t, ns, "g-"+string(rune('a'+i%26))+strings.Repeat("x", i/26), nil)
	}
	emails := map[string]string{}
	g.Eventually(func() (int, error) {
		list := &supportaccessv1alpha1.SupportAccessGrantList{}
		if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
			return 0, err
		}
		active := 0
		for _, gr := range list.Items {
			if gr.Status.Phase == supportaccessv1alpha1.GrantPhaseActive {
				active++
				emails[gr.Name] = gr.Status.LoginEmail
			}
		}
		return active, nil
	}, eventually, poll).Should(Equal(n))
	seen := map[string]bool{}
	for name, e := range emails {
		g.Expect(seen[e]).To(BeFalse(), "email of %s issued twice", name)
		seen[e] = true
	}
}

func TestExactExpiry(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	// A 15-minute grant whose window started 15m-3s ago: it expires in about 3 s.
	start := time.Now().Add(-15*time.Minute + 3*time.Second)
	grant := newGrant(t, ns, "short", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: 15 * time.Minute}
		gr.Spec.RenewedAt = &metav1.Time{Time: start}
	})
	key := client.ObjectKeyFromObject(grant)
	active := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	expiresAt := active.Status.ExpiresAt.Time
	secretKey := types.NamespacedName{Namespace: ns, Name: "short-credentials"}

	// Poll the API (not the cache) for the moment the Secret disappears.
	var goneAt time.Time
	g.Eventually(func() bool {
		_, err := getSecret(secretKey)
		if isNotFound(err) {
			goneAt = time.Now()
			return true
		}
		return false
	}, 15*time.Second, 10*time.Millisecond).Should(BeTrue())
	lag := goneAt.Sub(expiresAt)
	t.Logf("Secret deleted %s after expiresAt", lag)
	g.Expect(lag).To(BeNumerically(">=", 0), "deleted before expiresAt")
	g.Expect(lag).To(BeNumerically("<=", time.Second), "deleted more than 1 s after expiresAt")

	expired := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseExpired)
	ready := meta.FindStatusCondition(expired.Status.Conditions, supportaccessv1alpha1.ConditionReady)
	g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(ready.Reason).To(Equal(supportaccessv1alpha1.ReasonExpired))
	err := k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "supportaccess-short"}, &rbacv1.RoleBinding{})
	g.Expect(isNotFound(err)).To(BeTrue(), "RoleBinding removed at expiry, got %v", err)
	waitForEvent(t, ns, "short", supportaccessv1alpha1.ReasonExpired)
}

func TestExpiringSoonWarningOnce(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	// 80% of 15m is 12m: start the window 12m-2s ago so the warning is due in about 2 s.
	grant := newGrant(t, ns, "warn", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: 15 * time.Minute}
		gr.Spec.RenewedAt = &metav1.Time{Time: time.Now().Add(-12*time.Minute + 2*time.Second)}
	})
	key := client.ObjectKeyFromObject(grant)
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	waitForEvent(t, ns, "warn", "ExpiringSoon")
	g.Eventually(func() bool {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		_ = k8s.Get(context.Background(), key, gr)
		return meta.IsStatusConditionTrue(gr.Status.Conditions, supportaccessv1alpha1.ConditionExpiringSoon)
	}, eventually, poll).Should(BeTrue())

	// Poke the grant (an unrelated label) so it is reconciled again: no second warning.
	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		if gr.Labels == nil {
			gr.Labels = map[string]string{}
		}
		gr.Labels["poked"] = "yes"
	})
	g.Consistently(func() int {
		events, _ := grantEvents(context.Background(), ns, "warn")
		n := 0
		for _, e := range events {
			if e.Reason == "ExpiringSoon" {
				n++
			}
		}
		return n
	}, time.Second, 100*time.Millisecond).Should(Equal(1))
}

func TestRevoke(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	grant := newGrant(t, ns, "revoke-me", nil)
	key := client.ObjectKeyFromObject(grant)
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	session := newSessionLease(t, ns, "revoke-me")

	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) { gr.Spec.Revoked = true })
	revoked := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseRevoked)
	g.Expect(revoked.Status.RevokedAt).NotTo(BeNil())
	g.Expect(meta.FindStatusCondition(revoked.Status.Conditions, supportaccessv1alpha1.ConditionReady).Reason).To(Equal(supportaccessv1alpha1.ReasonRevoked))

	_, err := getSecret(types.NamespacedName{Namespace: ns, Name: "revoke-me-credentials"})
	g.Expect(isNotFound(err)).To(BeTrue(), "Secret deleted on revoke, got %v", err)
	err = k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "supportaccess-revoke-me"}, &rbacv1.RoleBinding{})
	g.Expect(isNotFound(err)).To(BeTrue(), "RoleBinding deleted on revoke, got %v", err)
	err = k8s.Get(ctx, client.ObjectKeyFromObject(session), &coordinationv1.Lease{})
	g.Expect(isNotFound(err)).To(BeTrue(), "session ended on revoke, got %v", err)
	waitForEvent(t, ns, "revoke-me", supportaccessv1alpha1.ReasonRevoked)

	// Never comes back: the API refuses both undoing and renewing, and the controller leaves no
	// credentials behind even when poked.
	gr := &supportaccessv1alpha1.SupportAccessGrant{}
	g.Expect(k8s.Get(ctx, key, gr)).To(Succeed())
	gr.Spec.Revoked = false
	g.Expect(apierrors.IsInvalid(k8s.Update(ctx, gr))).To(BeTrue())
	g.Expect(k8s.Get(ctx, key, gr)).To(Succeed())
	gr.Spec.RenewedAt = &metav1.Time{Time: time.Now()}
	g.Expect(apierrors.IsInvalid(k8s.Update(ctx, gr))).To(BeTrue())
	g.Consistently(func() bool {
		_, err := getSecret(types.NamespacedName{Namespace: ns, Name: "revoke-me-credentials"})
		return isNotFound(err)
	}, time.Second, 100*time.Millisecond).Should(BeTrue())
}

// A renewedAt in the past brings the end of an Active grant forward: that is reported as
// ValidityChanged, not as a renewal.
func TestShortenedWindowIsNoRenewal(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := newGrant(t, ns, "shorten", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: time.Hour}
	})
	key := client.ObjectKeyFromObject(grant)
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)

	renewedAt := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) { gr.Spec.RenewedAt = &metav1.Time{Time: renewedAt} })
	note := waitForEvent(t, ns, "shorten", "ValidityChanged")
	g.Expect(note).To(ContainSubstring(renewedAt.Add(time.Hour).UTC().Format(time.RFC3339)))
	events, err := grantEvents(context.Background(), ns, "shorten")
	g.Expect(err).NotTo(HaveOccurred())
	for _, e := range events {
		g.Expect(e.Reason).NotTo(Equal(supportaccessv1alpha1.ReasonRenewed), "event %q", e.Note)
	}
}

func TestRenewActiveKeepsCredentials(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := newGrant(t, ns, "renew-active", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: time.Hour}
	})
	key := client.ObjectKeyFromObject(grant)
	before := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	secretKey := types.NamespacedName{Namespace: ns, Name: "renew-active-credentials"}
	oldSecret, err := getSecret(secretKey)
	g.Expect(err).NotTo(HaveOccurred())

	renewedAt := time.Now().Add(time.Minute).Truncate(time.Second)
	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) { gr.Spec.RenewedAt = &metav1.Time{Time: renewedAt} })
	g.Eventually(func() (time.Time, error) {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		err := k8s.Get(context.Background(), key, gr)
		if err != nil || gr.Status.ExpiresAt == nil {
			return time.Time{}, err
		}
		return gr.Status.ExpiresAt.Time, nil
	}, eventually, poll).Should(BeTemporally("==", renewedAt.Add(time.Hour)))

	after := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	g.Expect(after.Status.LoginEmail).To(Equal(before.Status.LoginEmail))
	newSecret, err := getSecret(secretKey)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(newSecret.UID).To(Equal(oldSecret.UID))
	g.Expect(newSecret.Data[supportaccessv1alpha1.SecretKeyPassword]).To(Equal(oldSecret.Data[supportaccessv1alpha1.SecretKeyPassword]))
	g.Expect(string(newSecret.Data[supportaccessv1alpha1.SecretKeyExpiresAt])).To(Equal(renewedAt.Add(time.Hour).UTC().Format(time.RFC3339)))
	g.Expect(meta.FindStatusCondition(after.Status.Conditions, supportaccessv1alpha1.ConditionReady).Reason).To(Equal(supportaccessv1alpha1.ReasonRenewed))
	waitForEvent(t, ns, "renew-active", supportaccessv1alpha1.ReasonRenewed)
}

func TestRenewExpiredIssuesFreshCredentials(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := newGrant(t, ns, "renew-expired", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: 15 * time.Minute}
		gr.Spec.RenewedAt = &metav1.Time{Time: time.Now().Add(-time.Hour)}
	})
	key := client.ObjectKeyFromObject(grant)
	// Born expired: never issued.
	expired := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseExpired)
	g.Expect(expired.Status.LoginEmail).To(BeEmpty())

	// Renew, expire again after ~3 s, then renew once more: the second credentials differ.
	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.RenewedAt = &metav1.Time{Time: time.Now().Add(-15*time.Minute + 3*time.Second)}
	})
	first := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	secretKey := types.NamespacedName{Namespace: ns, Name: "renew-expired-credentials"}
	firstSecret, err := getSecret(secretKey)
	g.Expect(err).NotTo(HaveOccurred())
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseExpired)

	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) { gr.Spec.RenewedAt = &metav1.Time{Time: time.Now()} })
	second := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	var secondSecret *corev1.Secret
	g.Eventually(func() error { secondSecret, err = getSecret(secretKey); return err }, eventually, poll).Should(Succeed())
	g.Expect(second.Status.LoginEmail).NotTo(Equal(first.Status.LoginEmail))
	g.Expect(secondSecret.Data[supportaccessv1alpha1.SecretKeyPassword]).NotTo(Equal(firstSecret.Data[supportaccessv1alpha1.SecretKeyPassword]))
	g.Expect(secondSecret.UID).NotTo(Equal(firstSecret.UID))
	waitForEvent(t, ns, "renew-expired", supportaccessv1alpha1.ReasonRenewed)
}

func TestDeleteRemovesEverything(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	grant := newGrant(t, ns, "delete-me", nil)
	key := client.ObjectKeyFromObject(grant)
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	session := newSessionLease(t, ns, "delete-me")

	g.Expect(k8s.Delete(ctx, grant)).To(Succeed())
	// envtest runs no garbage collector: only the finalizer can have removed these.
	g.Eventually(func() bool { return isNotFound(k8s.Get(ctx, key, &supportaccessv1alpha1.SupportAccessGrant{})) }, eventually, poll).Should(BeTrue())
	_, err := getSecret(types.NamespacedName{Namespace: ns, Name: "delete-me-credentials"})
	g.Expect(isNotFound(err)).To(BeTrue(), "Secret removed before the grant went, got %v", err)
	g.Expect(isNotFound(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "supportaccess-delete-me"}, &rbacv1.RoleBinding{}))).To(BeTrue())
	g.Expect(isNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(session), &coordinationv1.Lease{}))).To(BeTrue())
}

func TestSecretConflict(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	foreign := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "taken-credentials"},
		StringData: map[string]string{"password": "the customer's own"},
	}
	g.Expect(k8s.Create(ctx, foreign)).To(Succeed())
	grant := newGrant(t, ns, "taken", nil)
	key := client.ObjectKeyFromObject(grant)

	g.Eventually(func() string {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		_ = k8s.Get(ctx, key, gr)
		if c := meta.FindStatusCondition(gr.Status.Conditions, supportaccessv1alpha1.ConditionReady); c != nil && c.Status == metav1.ConditionFalse {
			return c.Reason + ": " + c.Message
		}
		return ""
	}, eventually, poll).Should(And(HavePrefix(supportaccessv1alpha1.ReasonSecretConflict), ContainSubstring("taken-credentials")))
	waitForEvent(t, ns, "taken", supportaccessv1alpha1.ReasonSecretConflict)
	after, err := getSecret(client.ObjectKeyFromObject(foreign))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(after.ResourceVersion).To(Equal(foreign.ResourceVersion), "the foreign Secret was modified")
	g.Expect(after.OwnerReferences).To(BeEmpty())

	// Once the name is free, the grant issues.
	g.Expect(k8s.Delete(ctx, foreign)).To(Succeed())
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
}

func TestSecretDeletedByHandIsReplaced(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	grant := newGrant(t, ns, "replace", nil)
	key := client.ObjectKeyFromObject(grant)
	before := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	secretKey := types.NamespacedName{Namespace: ns, Name: "replace-credentials"}
	old, err := getSecret(secretKey)
	g.Expect(err).NotTo(HaveOccurred())
	session := newSessionLease(t, ns, "replace")

	g.Expect(k8s.Delete(ctx, old)).To(Succeed())
	var fresh *corev1.Secret
	g.Eventually(func() (types.UID, error) {
		fresh, err = getSecret(secretKey)
		if err != nil {
			return "", err
		}
		return fresh.UID, nil
	}, eventually, poll).ShouldNot(Equal(old.UID))
	g.Expect(fresh.Data[supportaccessv1alpha1.SecretKeyPassword]).NotTo(Equal(old.Data[supportaccessv1alpha1.SecretKeyPassword]))
	waitForEvent(t, ns, "replace", "CredentialsReplaced")
	g.Eventually(func() bool {
		return isNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(session), &coordinationv1.Lease{}))
	},
		eventually, poll).Should(BeTrue(), "old sessions end when credentials are replaced")
	after := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	g.Expect(after.Status.ExpiresAt.Time).To(BeTemporally("==", before.Status.ExpiresAt.Time), "replacement does not extend the window")
}

func TestSecretEditsNeverExtendAccess(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	grant := newGrant(t, ns, "tamper", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: time.Hour}
	})
	key := client.ObjectKeyFromObject(grant)
	active := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	secretKey := types.NamespacedName{Namespace: ns, Name: "tamper-credentials"}
	wantExpiry := active.Status.ExpiresAt.UTC().Format(time.RFC3339)

	s, err := getSecret(secretKey)
	g.Expect(err).NotTo(HaveOccurred())
	s.Data[supportaccessv1alpha1.SecretKeyExpiresAt] = []byte("2099-01-01T00:00:00Z")
	s.Data[supportaccessv1alpha1.SecretKeyEmail] = []byte("someone-else@example.com")
	g.Expect(k8s.Update(ctx, s)).To(Succeed())

	g.Eventually(func() (string, error) {
		s, err := getSecret(secretKey)
		if err != nil {
			return "", err
		}
		return string(s.Data[supportaccessv1alpha1.SecretKeyExpiresAt]) + " " + string(s.Data[supportaccessv1alpha1.SecretKeyEmail]), nil
	}, eventually, poll).Should(Equal(wantExpiry + " " + active.Status.LoginEmail))
	after := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	g.Expect(after.Status.ExpiresAt.Time).To(BeTemporally("==", active.Status.ExpiresAt.Time))
	g.Expect(after.Status.LoginEmail).To(Equal(active.Status.LoginEmail))
}

func TestAccessLevelChangeSwitchesBinding(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	grant := newGrant(t, ns, "switch", nil)
	key := client.ObjectKeyFromObject(grant)
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	rbKey := types.NamespacedName{Namespace: ns, Name: "supportaccess-switch"}
	roleOf := func() (string, error) {
		rb := &rbacv1.RoleBinding{}
		err := k8s.Get(context.Background(), rbKey, rb)
		return rb.RoleRef.Name, err
	}
	g.Eventually(roleOf, eventually, poll).Should(Equal("supportaccess-limited"))

	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
	})
	g.Eventually(roleOf, eventually, poll).Should(Equal("supportaccess-full"))
	updateGrant(t, key, func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelLimited
	})
	g.Eventually(roleOf, eventually, poll).Should(Equal("supportaccess-limited"))
	waitForEvent(t, ns, "switch", "AccessLevelChanged")
}

// newSessionLease stands in for a login session of the auth service: a labelled Lease.
func newSessionLease(t *testing.T, ns, grant string) *coordinationv1.Lease {
	t.Helper()
	labels := map[string]string{}
	for k, v := range SessionLabels(grant) {
		labels[k] = v
	}
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "session-", Labels: labels}}
	if err := k8s.Create(context.Background(), lease); err != nil {
		t.Fatalf("create session lease: %v", err)
	}
	return lease
}
