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

package accountclient

import (
	"fmt"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// Credentials are everything support needs to log in: what `kubectl supportaccess credentials`
// prints and the console's "Copy credentials" button copies.
type Credentials struct {
	Grant       string `json:"grant"`
	Namespace   string `json:"namespace"`
	AccessLevel string `json:"accessLevel"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	ExpiresAt   string `json:"expiresAt,omitempty"`
	LoginURL    string `json:"loginURL,omitempty"`
}

// CredentialsOf reads the credentials from the grant's Secret, refusing a Secret the grant does not
// control: anyone allowed to write Secrets in the namespace could have put one of that name there,
// and anyone allowed to patch the grant's status could point status.secretName at another one.
// A Login URL that is not an http(s) URL is left out.
func CredentialsOf(g *supportaccessv1alpha1.SupportAccessGrant, s *corev1.Secret) (*Credentials, error) {
	owner := metav1.GetControllerOf(s)
	if owner == nil || owner.UID != g.UID || string(s.Type) != supportaccessv1alpha1.SecretTypeCredentials ||
		s.Name != g.CredentialsSecretName() {
		return nil, fmt.Errorf("Secret %s/%s is not the credentials Secret of grant %q (not of type %s controlled by it); not printing it",
			s.Namespace, s.Name, g.Name, supportaccessv1alpha1.SecretTypeCredentials)
	}
	email, password := string(s.Data[supportaccessv1alpha1.SecretKeyEmail]), string(s.Data[supportaccessv1alpha1.SecretKeyPassword])
	if email == "" || password == "" || (g.Status.LoginEmail != "" && email != g.Status.LoginEmail) {
		return nil, fmt.Errorf("Secret %s/%s does not hold the grant's current credentials yet: the operator is issuing them; run this again in a moment",
			s.Namespace, s.Name)
	}
	return &Credentials{
		Grant:       g.Name,
		Namespace:   g.Namespace,
		AccessLevel: string(g.Spec.AccessLevel),
		Email:       email,
		Password:    password,
		ExpiresAt:   string(s.Data[supportaccessv1alpha1.SecretKeyExpiresAt]),
		LoginURL:    webURL(string(s.Data[supportaccessv1alpha1.SecretKeyLoginURL])),
	}, nil
}

// webURL returns raw when it is an absolute http or https URL, else "".
func webURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return raw
}

// RenewalTime is now at the API's one-second resolution, moved one second past the previous
// renewal if that is the same second: an unchanged spec.renewedAt would renew nothing.
func RenewalTime(now time.Time, previous *metav1.Time) time.Time {
	at := now.UTC().Truncate(time.Second)
	if previous != nil && previous.UTC().Equal(at) {
		at = at.Add(time.Second)
	}
	return at
}
