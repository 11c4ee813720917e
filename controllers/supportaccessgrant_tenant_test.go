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
	"encoding/json"
	"fmt"
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
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/keyring"
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
	}, eventually, poll).Should(Equal("Pending/" + supportaccessv1alpha1.ReasonRoleBindingConflict))
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

// statusPatch merge-patches a grant's status as a tenant admin can (the status subresource).
func statusPatch(t *testing.T, key types.NamespacedName, status map[string]any) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		t.Fatal(err)
	}
	gr := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	if err := k8s.Status().Patch(context.Background(), gr, client.RawPatch(types.MergePatchType, raw)); err != nil {
		t.Fatalf("patch status: %v", err)
	}
}

// Issue 12 item 1: tenant A writes tenant B's login email into A's status. The controller never
// adopts it: A gets fresh credentials of its own (with an event), and B keeps its email, its
// Secret and the RoleBinding that binds its user.
func TestClaimedLoginEmailIsReplacedNotAdopted(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	victimNS := newNamespace(t)
	victim := waitForPhase(t, client.ObjectKeyFromObject(newGrant(t, victimNS, "victim", nil)), supportaccessv1alpha1.GrantPhaseActive)
	victimEmail := victim.Status.LoginEmail

	ns := newNamespace(t)
	attKey := client.ObjectKeyFromObject(newGrant(t, ns, "attacker", nil))
	before := waitForPhase(t, attKey, supportaccessv1alpha1.GrantPhaseActive)
	statusPatch(t, attKey, map[string]any{"loginEmail": victimEmail})

	var after *supportaccessv1alpha1.SupportAccessGrant
	g.Eventually(func() bool {
		after = &supportaccessv1alpha1.SupportAccessGrant{}
		_ = k8s.Get(ctx, attKey, after)
		e := after.Status.LoginEmail
		return e != victimEmail && e != before.Status.LoginEmail && e != ""
	}, eventually, poll).Should(BeTrue(), "the attacker's grant gets fresh credentials of its own")
	g.Expect(credentials.VerifyLoginEmail(testKeyring, after.UID, after.Status.LoginEmail)).To(BeTrue())
	s, err := getSecret(types.NamespacedName{Namespace: ns, Name: "attacker-credentials"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(s.Data["email"])).To(Equal(after.Status.LoginEmail))
	rb := &rbacv1.RoleBinding{}
	g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: RoleBindingName(after)}, rb)).To(Succeed())
	g.Expect(rb.Subjects).To(HaveLen(1))
	g.Expect(rb.Subjects[0].Name).NotTo(ContainSubstring(victimEmail), "a binding for the other tenant's user")
	g.Eventually(func() ([]string, error) {
		events, err := grantEvents(ctx, ns, "attacker")
		var reasons []string
		for _, e := range events {
			reasons = append(reasons, e.Reason)
		}
		return reasons, err
	}, eventually, poll).Should(ContainElement(ReasonCredentialsReissued))

	// The victim is untouched.
	g.Consistently(func() string {
		v := &supportaccessv1alpha1.SupportAccessGrant{}
		_ = k8s.Get(ctx, client.ObjectKeyFromObject(victim), v)
		return v.Status.LoginEmail
	}, time.Second, 100*time.Millisecond).Should(Equal(victimEmail))
	vs, err := getSecret(types.NamespacedName{Namespace: victimNS, Name: "victim-credentials"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(vs.Data["email"])).To(Equal(victimEmail))
}

// Grants issued before login emails were bound to their grant carry emails that cannot verify.
// On upgrade they get fresh credentials, with a CredentialsReissued warning (docs/security.md).
func TestEmailOfBeforeTheUpgradeGetsFreshCredentials(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	key := client.ObjectKeyFromObject(newGrant(t, ns, "legacy", nil))
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	const legacy = "support-abcdefghjkmn@" + testLoginDomain // the 12-character shape of before
	statusPatch(t, key, map[string]any{"loginEmail": legacy})
	g.Eventually(func() string {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		_ = k8s.Get(ctx, key, gr)
		return gr.Status.LoginEmail
	}, eventually, poll).ShouldNot(Or(Equal(legacy), BeEmpty()))
	g.Eventually(func() (bool, error) {
		events, err := grantEvents(ctx, ns, "legacy")
		for _, e := range events {
			if e.Reason == ReasonCredentialsReissued && e.Type == corev1.EventTypeWarning {
				return true, err
			}
		}
		return false, err
	}, eventually, poll).Should(BeTrue())
}

// Issue 12 item 6: whether credentials are still live is decided from the end of the window they
// were issued for and the clock, not from the phase. A grant whose recorded expiresAt has passed
// (the expiry not reconciled yet when a renewal lands) gets a fresh password.
func TestCredentialsPastTheirExpiryAreNeverKept(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	key := client.ObjectKeyFromObject(newGrant(t, ns, "late", nil))
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	secretKey := types.NamespacedName{Namespace: ns, Name: "late-credentials"}
	old, err := getSecret(secretKey)
	g.Expect(err).NotTo(HaveOccurred())

	// The window the credentials were issued for ended a second ago; the renewal lands now.
	statusPatch(t, key, map[string]any{"expiresAt": time.Now().Add(-time.Second).UTC().Format(time.RFC3339)})
	// A merge patch, not an update: the controller is writing the status back meanwhile, and an
	// update of the version read before would conflict.
	gr := &supportaccessv1alpha1.SupportAccessGrant{}
	gr.Namespace, gr.Name = key.Namespace, key.Name
	renewal := fmt.Sprintf(`{"spec":{"renewedAt":%q}}`, time.Now().UTC().Format(time.RFC3339))
	g.Expect(k8s.Patch(ctx, gr, client.RawPatch(types.MergePatchType, []byte(renewal)))).To(Succeed())

	g.Eventually(func() (string, error) {
		s, err := getSecret(secretKey)
		if err != nil {
			return "", err
		}
		return string(s.Data["password"]), nil
	}, eventually, poll).ShouldNot(Equal(string(old.Data["password"])), "an old password came back after its window ended")
}

func TestIssuedEmailDecidesLiveFromTheClock(t *testing.T) {
	key, _ := keyring.GenerateKey(1)
	ring, _ := keyring.New(key)
	r := &SupportAccessGrantReconciler{Keyring: ring}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	email, _ := credentials.LoginEmail(ring, "uid-1", testLoginDomain)
	otherGrants, _ := credentials.LoginEmail(ring, "uid-2", testLoginDomain)
	grant := func(phase supportaccessv1alpha1.GrantPhase, email string, expiresAt time.Time) *supportaccessv1alpha1.SupportAccessGrant {
		gr := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{UID: "uid-1"}}
		gr.Status = supportaccessv1alpha1.SupportAccessGrantStatus{Phase: phase, LoginEmail: email, ExpiresAt: &metav1.Time{Time: expiresAt}}
		return gr
	}
	tests := []struct {
		name                 string
		grant                *supportaccessv1alpha1.SupportAccessGrant
		wantLive, unverified bool
	}{
		{"active within its window", grant("Active", email, now.Add(time.Hour)), true, false},
		{"active, window ended, expiry not reconciled yet", grant("Active", email, now), false, false},
		{"expired", grant("Expired", email, now.Add(time.Hour)), false, false},
		{"another grant's email", grant("Active", otherGrants, now.Add(time.Hour)), false, true},
		{"never issued", grant("", "", time.Time{}), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, live, unverified := r.issuedEmail(tt.grant, now)
			if live != tt.wantLive || unverified != tt.unverified {
				t.Fatalf("live, unverified = %v, %v; want %v, %v", live, unverified, tt.wantLive, tt.unverified)
			}
		})
	}
}

// Issue 12 item 8: the account's maxGrantDuration caps a grant's window in the controller too,
// for a grant admitted with no webhook (this suite runs none), and for live grants when the
// policy lowers it.
func TestAccountCapAppliesWithoutTheWebhook(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	policy := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "policy"},
		Spec: supportaccessv1alpha1.AccountSessionPolicySpec{MaxGrantDuration: &metav1.Duration{Duration: 48 * time.Hour}}}
	g.Expect(k8s.Create(ctx, policy)).To(Succeed())
	grant := newGrant(t, ns, "long", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: 240 * time.Hour}
	})
	key := client.ObjectKeyFromObject(grant)
	expiresAt := func() time.Duration {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		if err := k8s.Get(ctx, key, gr); err != nil || gr.Status.ExpiresAt == nil {
			return 0
		}
		return gr.Status.ExpiresAt.Sub(gr.CreationTimestamp.Time)
	}
	g.Eventually(expiresAt, eventually, poll).Should(Equal(48 * time.Hour))

	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(policy), policy)).To(Succeed())
	policy.Spec.MaxGrantDuration = &metav1.Duration{Duration: 24 * time.Hour}
	g.Expect(k8s.Update(ctx, policy)).To(Succeed())
	g.Eventually(expiresAt, eventually, poll).Should(Equal(24 * time.Hour))
}

// A tenant can pile finalizers on a grant; the cache keeps only the operator's (memory), and the
// controller's finalizer patch must still leave everyone else's in place.
func TestOtherFinalizersSurviveTheController(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	key := client.ObjectKeyFromObject(newGrant(t, ns, "finalizers", nil))
	waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	gr := &supportaccessv1alpha1.SupportAccessGrant{}
	g.Expect(k8s.Get(ctx, key, gr)).To(Succeed())
	var theirs []string
	for i := range 200 {
		theirs = append(theirs, fmt.Sprintf("tenant.example.com/keep-%03d", i))
	}
	gr.Finalizers = append(gr.Finalizers, theirs...)
	g.Expect(k8s.Update(ctx, gr)).To(Succeed())
	cached := &supportaccessv1alpha1.SupportAccessGrant{}
	g.Eventually(func() string {
		_ = mgrCache.Get(ctx, key, cached)
		return cached.ResourceVersion
	}, eventually, poll).Should(Equal(gr.ResourceVersion))
	g.Expect(cached.Finalizers).To(Equal([]string{supportaccessv1alpha1.GrantFinalizer}), "the cache keeps only the operator's finalizer")

	g.Expect(k8s.Delete(ctx, gr)).To(Succeed())
	g.Eventually(func() []string {
		_ = k8s.Get(ctx, key, gr)
		return gr.Finalizers
	}, eventually, poll).Should(Equal(theirs), "the controller removes its own finalizer, and only its own")
	_, err := getSecret(types.NamespacedName{Namespace: ns, Name: "finalizers-credentials"})
	g.Expect(isNotFound(err)).To(BeTrue(), "access removed before the finalizer goes")
	gr.Finalizers = nil
	g.Expect(k8s.Update(ctx, gr)).To(Succeed())
}

// A key removed from the keyring (retired too early, or compromised) ends the credentials issued
// under it: the controller re-checks every grant when the keyring changes and issues fresh ones.
func TestKeyringChangeReissuesCredentialsOfARemovedKey(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	key := client.ObjectKeyFromObject(newGrant(t, ns, "old-key", nil))
	before := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)

	next, err := keyring.GenerateKey(2)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(testKeyring.Update([]keyring.Key{next}, time.Now())).To(Succeed())
	// Both keys afterwards: grants issued under either still verify, so nothing else re-issues.
	t.Cleanup(func() { _ = testKeyring.Update([]keyring.Key{testKey, next}, time.Now()) })

	g.Eventually(func() bool {
		gr := &supportaccessv1alpha1.SupportAccessGrant{}
		_ = k8s.Get(ctx, key, gr)
		id, ok := credentials.SigningKeyID(testKeyring, gr.UID, gr.Status.LoginEmail)
		return ok && id == 2 && gr.Status.LoginEmail != before.Status.LoginEmail
	}, eventually, poll).Should(BeTrue(), "no fresh credentials after the grant's key was removed")
}
