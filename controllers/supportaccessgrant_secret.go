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
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/expiry"
)

const componentCredentials = supportaccessv1alpha1.ComponentCredentials

// issuedCredentials describes the Secret ensureSecret left in place. The password is not kept.
type issuedCredentials struct {
	email      string
	secretName string
	// fresh is true when this reconcile generated the credentials.
	fresh bool
	// replaced is true when fresh credentials replace ones that were live (Secret deleted or
	// emptied by hand) or that the status claimed: sessions opened with the old ones must end.
	replaced bool
	// unverified is true when the status named a login email the operator did not issue to this
	// grant (edited by someone, or issued before emails were bound to their grant).
	unverified bool
}

// secretConflictError says the Secret name is taken by a Secret the grant does not own.
type secretConflictError struct{ name string }

func (e *secretConflictError) Error() string {
	return fmt.Sprintf("Secret %q exists and is not owned by this grant", e.name)
}

func asSecretConflict(err error, target **secretConflictError) bool { return errors.As(err, target) }

// ensureSecret makes the credentials Secret match the grant: created with fresh credentials when
// missing, and otherwise restored to what the grant says (email, expiry, labels) so that editing
// it never widens or extends access. The password in place is kept: renewal of an Active grant
// keeps its credentials.
func (r *SupportAccessGrantReconciler) ensureSecret(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, window expiry.Window, now time.Time) (issuedCredentials, error) {
	name := grant.CredentialsSecretName()
	key := types.NamespacedName{Namespace: grant.Namespace, Name: name}

	secret := &corev1.Secret{}
	err := r.Get(ctx, key, secret)
	switch {
	case apierrors.IsNotFound(err):
		return r.createSecret(ctx, grant, window, now)
	case err != nil:
		return issuedCredentials{}, fmt.Errorf("get Secret %s: %w", key, err)
	}
	if !ownedCredentials(secret, grant) {
		// Labelled as ours but controlled by another grant (two grants naming one Secret).
		return issuedCredentials{}, &secretConflictError{name: name}
	}
	return r.syncSecret(ctx, grant, secret, window, now)
}

// issuedEmail returns the grant's login email as the status records it, and whether those
// credentials are still live at now: the operator issued that email to this very grant (its MAC
// verifies for the grant's UID, so nothing a tenant writes into the status can claim another
// grant's identity) and the window they were issued for has not ended. The end is the recorded
// status.expiresAt, read against the clock, not the phase: a renewal landing after expiresAt but
// before the expiry was reconciled must not keep the old password
// (docs/reference.md#validity-window-and-renewal).
func (r *SupportAccessGrantReconciler) issuedEmail(grant *supportaccessv1alpha1.SupportAccessGrant, now time.Time) (email string, live, unverified bool) {
	s := grant.Status
	if s.LoginEmail == "" {
		return "", false, false
	}
	if !credentials.VerifyLoginEmail(r.Keyring, grant.UID, s.LoginEmail) {
		return "", false, true
	}
	live = s.Phase == supportaccessv1alpha1.GrantPhaseActive && s.ExpiresAt != nil && now.Before(s.ExpiresAt.Time)
	return s.LoginEmail, live, false
}

// createSecret issues fresh credentials. The cache only holds the operator's labelled Secrets, so
// a foreign Secret of the same name shows up as AlreadyExists and is then read around the cache.
func (r *SupportAccessGrantReconciler) createSecret(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, window expiry.Window, now time.Time) (issuedCredentials, error) {
	name := grant.CredentialsSecretName()
	email, err := credentials.LoginEmail(r.Keyring, grant.UID, r.Options.LoginDomain)
	if err != nil {
		return issuedCredentials{}, fmt.Errorf("generate login email: %w", err)
	}
	password, err := credentials.Password()
	if err != nil {
		return issuedCredentials{}, fmt.Errorf("generate password: %w", err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: grant.Namespace, Name: name},
		Type:       supportaccessv1alpha1.SecretTypeCredentials,
		Data: map[string][]byte{
			supportaccessv1alpha1.SecretKeyPassword: []byte(password),
		},
	}
	r.setSecretContent(grant, secret, email, window)
	if err := controllerutil.SetControllerReference(grant, secret, r.Scheme); err != nil {
		return issuedCredentials{}, fmt.Errorf("set owner of Secret %s: %w", name, err)
	}
	if err := r.Create(ctx, secret); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			return issuedCredentials{}, fmt.Errorf("create Secret %s/%s: %w", grant.Namespace, name, err)
		}
		return r.adoptExistingSecret(ctx, grant, window, now)
	}
	loggerFor(ctx, grant).Info("Issued credentials", "secret", name, "email", email)
	_, live, unverified := r.issuedEmail(grant, now)
	return issuedCredentials{email: email, secretName: name, fresh: true, replaced: live || unverified, unverified: unverified}, nil
}

// adoptExistingSecret handles a Secret that exists but was not in the cache: either ours and the
// cache has not caught up, or someone else's, which is never touched.
func (r *SupportAccessGrantReconciler) adoptExistingSecret(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, window expiry.Window, now time.Time) (issuedCredentials, error) {
	name := grant.CredentialsSecretName()
	existing := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: grant.Namespace, Name: name}, existing); err != nil {
		return issuedCredentials{}, fmt.Errorf("read existing Secret %s/%s: %w", grant.Namespace, name, err)
	}
	if !ownedCredentials(existing, grant) {
		return issuedCredentials{}, &secretConflictError{name: name}
	}
	return r.syncSecret(ctx, grant, existing, window, now)
}

// ownedCredentials reports whether secret is this grant's credentials Secret: controlled by it and
// of the credentials type (a type cannot be changed, so any other is someone else's Secret).
func ownedCredentials(secret *corev1.Secret, grant *supportaccessv1alpha1.SupportAccessGrant) bool {
	return metav1.IsControlledBy(secret, grant) && string(secret.Type) == supportaccessv1alpha1.SecretTypeCredentials
}

// syncSecret restores an owned Secret to the grant's values, writing only when something differs.
// Only a login email the operator issued to this grant (issuedEmail) is ever kept: nothing read
// from the Secret or the status (which its namespace's users may edit) becomes a login email. A
// Secret whose credentials are not live (issued before a crash, adopted after a conflict, left
// from before an expiry, claimed by an edited status) gets fresh credentials; an Active grant's
// own Secret keeps its password, as renewal promises.
func (r *SupportAccessGrantReconciler) syncSecret(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant, secret *corev1.Secret, window expiry.Window, now time.Time) (issuedCredentials, error) {
	email, live, unverified := r.issuedEmail(grant, now)
	creds := issuedCredentials{email: email, secretName: secret.Name}
	orig := secret.DeepCopy()
	if !live || !credentials.HasPassword(secret) {
		fresh, err := credentials.LoginEmail(r.Keyring, grant.UID, r.Options.LoginDomain)
		if err != nil {
			return issuedCredentials{}, fmt.Errorf("generate login email: %w", err)
		}
		password, err := credentials.Password()
		if err != nil {
			return issuedCredentials{}, fmt.Errorf("generate password: %w", err)
		}
		// Replace all the data: whatever was there is not ours to keep.
		secret.Data = map[string][]byte{supportaccessv1alpha1.SecretKeyPassword: []byte(password)}
		creds.email, creds.fresh = fresh, true
		creds.replaced, creds.unverified = live || unverified, unverified
	}
	r.setSecretContent(grant, secret, creds.email, window)
	if secretContentEqual(orig, secret) {
		return creds, nil
	}
	if err := r.Patch(ctx, secret, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return issuedCredentials{}, fmt.Errorf("update Secret %s/%s: %w", secret.Namespace, secret.Name, err)
	}
	loggerFor(ctx, grant).V(1).Info("Restored credentials Secret", "secret", secret.Name, "freshCredentials", creds.fresh)
	return creds, nil
}

// setSecretContent writes everything but the password: labels and the public keys.
func (r *SupportAccessGrantReconciler) setSecretContent(grant *supportaccessv1alpha1.SupportAccessGrant, secret *corev1.Secret, email string, window expiry.Window) {
	if secret.Labels == nil {
		secret.Labels = map[string]string{}
	}
	secret.Labels[supportaccessv1alpha1.LabelManagedBy] = supportaccessv1alpha1.ManagedByValue
	secret.Labels[supportaccessv1alpha1.LabelGrant] = grant.Name
	secret.Labels[supportaccessv1alpha1.LabelComponent] = componentCredentials
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data[supportaccessv1alpha1.SecretKeyEmail] = []byte(email)
	secret.Data[supportaccessv1alpha1.SecretKeyExpiresAt] = []byte(window.End.UTC().Format(time.RFC3339))
	if r.Options.LoginURL != "" {
		secret.Data[supportaccessv1alpha1.SecretKeyLoginURL] = []byte(r.Options.LoginURL)
	} else {
		delete(secret.Data, supportaccessv1alpha1.SecretKeyLoginURL)
	}
}

func secretContentEqual(a, b *corev1.Secret) bool {
	if len(a.Data) != len(b.Data) || len(a.Labels) != len(b.Labels) {
		return false
	}
	for k, v := range b.Data {
		if string(a.Data[k]) != string(v) {
			return false
		}
	}
	for k, v := range b.Labels {
		if a.Labels[k] != v {
			return false
		}
	}
	return true
}

// deleteSecret deletes the grant's credentials Secret if the grant owns it. The UID precondition
// makes sure a Secret recreated in between (by anyone) is not deleted by mistake.
func (r *SupportAccessGrantReconciler) deleteSecret(ctx context.Context, grant *supportaccessv1alpha1.SupportAccessGrant) error {
	name := grant.CredentialsSecretName()
	secret := &corev1.Secret{}
	if err := r.Get(ctx, types.NamespacedName{Namespace: grant.Namespace, Name: name}, secret); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !metav1.IsControlledBy(secret, grant) {
		return nil
	}
	return deleteWithUID(ctx, r.Client, secret)
}

// deleteWithUID deletes obj only if it is still the object we read (same UID), ignoring NotFound
// and Conflict as Kubernetes' token cleaner does: either means it is already gone or replaced.
func deleteWithUID(ctx context.Context, c client.Client, obj client.Object) error {
	uid := obj.GetUID()
	err := c.Delete(ctx, obj, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("delete %T %s/%s: %w", obj, obj.GetNamespace(), obj.GetName(), err)
}
