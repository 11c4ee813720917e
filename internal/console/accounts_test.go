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

package console

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
	"github.com/supportaccess/support-access-operator/internal/session"
)

// Accounts (namespaces), the RBAC of their users, and the grants and sessions in them, all
// written as the admin.

// newAccount creates a namespace (an account) for one test.
func newAccount(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "account-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// role is what a user may do in an account.
type role string

const (
	// roleAdmin is the account admin of docs/console.md: grants and policies, the credentials
	// Secrets (get), and ending sessions.
	roleAdmin role = "console-admin"
	// roleReadOnly sees grants and policies and changes nothing: no Secrets, no writes.
	roleReadOnly role = "console-read-only"
)

var roleRules = map[role][]rbacv1.PolicyRule{
	roleAdmin: {
		{APIGroups: []string{supportaccessv1alpha1.GroupVersion.Group},
			Resources: []string{accountclient.ResourceGrants, accountclient.ResourcePolicies},
			Verbs:     []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"list", "watch", "delete"}},
	},
	roleReadOnly: {
		{APIGroups: []string{supportaccessv1alpha1.GroupVersion.Group},
			Resources: []string{accountclient.ResourceGrants, accountclient.ResourcePolicies},
			Verbs:     []string{"get", "list", "watch"}},
	},
}

// bind gives subject role r in namespace ns (creating the Role the first time).
func bind(t *testing.T, ns string, r role, subject rbacv1.Subject) {
	t.Helper()
	ctx := context.Background()
	err := k8s.Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: string(r)}, Rules: roleRules[r]})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create Role %s: %v", r, err)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: string(r) + "-"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: string(r)},
		Subjects:   []rbacv1.Subject{subject},
	}
	if err := k8s.Create(ctx, rb); err != nil {
		t.Fatalf("create RoleBinding: %v", err)
	}
}

// mode is how the console under test learns who its user is.
type mode string

const (
	loopbackMode mode = "Loopback"
	bearerMode   mode = "BearerTokens"
)

var modes = []mode{loopbackMode, bearerMode}

// user is someone the console acts for.
type user struct {
	// name is who kube-apiserver sees: the client certificate's CN, or the ServiceAccount.
	name string
	// cfg is the user's kubeconfig (Loopback: an envtest client certificate).
	cfg *rest.Config
	// token is the bearer token an SSO proxy would pass (BearerTokens: a ServiceAccount's).
	token string
}

var userSeq atomic.Int64

// newUser creates a user for m with role r in namespace ns.
func newUser(t *testing.T, m mode, ns string, r role) *user {
	t.Helper()
	label := fmt.Sprintf("%s-%d", map[role]string{roleAdmin: "admin", roleReadOnly: "reader"}[r], userSeq.Add(1))
	switch m {
	case loopbackMode:
		u, err := testEnv.AddUser(envtest.User{Name: label + "@" + ns, Groups: []string{"console-test-users"}}, nil)
		if err != nil {
			t.Fatalf("add envtest user: %v", err)
		}
		bind(t, ns, r, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: label + "@" + ns})
		return &user{name: label + "@" + ns, cfg: u.Config()}
	default:
		token := serviceAccountToken(t, ns, label)
		bind(t, ns, r, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: label})
		return &user{name: "system:serviceaccount:" + ns + ":" + label, token: token}
	}
}

// serviceAccountToken creates the ServiceAccount ns/name and returns a token of it (TokenRequest).
func serviceAccountToken(t testing.TB, ns, name string) string {
	t.Helper()
	token, err := createServiceAccountToken(context.Background(), ns, name)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func createServiceAccountToken(ctx context.Context, ns, name string) (string, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := k8s.Create(ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("create ServiceAccount %s/%s: %w", ns, name, err)
	}
	tr, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token of ServiceAccount %s/%s: %w", ns, name, err)
	}
	return tr.Status.Token, nil
}

// issued is an Active grant and the credentials its Secret holds.
type issued struct {
	grant           *supportaccessv1alpha1.SupportAccessGrant
	email, password string
}

// activeGrant creates grant ns/name (mutate adjusts it first) and waits until it is Active with
// its credentials issued.
func activeGrant(t *testing.T, ns, name string, mutate func(*supportaccessv1alpha1.SupportAccessGrant)) issued {
	t.Helper()
	g := &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{AccessLevel: supportaccessv1alpha1.AccessLevelLimited, Reason: "Ticket #4711"},
	}
	if mutate != nil {
		mutate(g)
	}
	if err := k8s.Create(context.Background(), g); err != nil {
		t.Fatalf("create grant: %v", err)
	}
	grant := waitForPhase(t, ns, name, supportaccessv1alpha1.GrantPhaseActive)
	var out issued
	NewWithT(t).Eventually(func(g Gomega) {
		grant = getGrant(g, ns, name)
		g.Expect(grant.Status.SecretName).NotTo(BeEmpty())
		s := &corev1.Secret{}
		g.Expect(k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: grant.Status.SecretName}, s)).To(Succeed())
		creds, err := accountclient.CredentialsOf(grant, s)
		g.Expect(err).NotTo(HaveOccurred())
		out = issued{grant: grant, email: creds.Email, password: creds.Password}
	}, eventually, poll).Should(Succeed(), "credentials of grant %s/%s", ns, name)
	return out
}

// activeGrants creates Limited grants named names in ns at once and waits until all are Active.
func activeGrants(t *testing.T, ns string, names ...string) {
	t.Helper()
	for _, name := range names {
		g := &supportaccessv1alpha1.SupportAccessGrant{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{AccessLevel: supportaccessv1alpha1.AccessLevelLimited},
		}
		if err := k8s.Create(context.Background(), g); err != nil {
			t.Fatalf("create grant: %v", err)
		}
	}
	for _, name := range names {
		waitForPhase(t, ns, name, supportaccessv1alpha1.GrantPhaseActive)
	}
}

// getGrant reads a grant as the admin.
func getGrant(g Gomega, ns, name string) *supportaccessv1alpha1.SupportAccessGrant {
	grant := &supportaccessv1alpha1.SupportAccessGrant{}
	g.ExpectWithOffset(1, k8s.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, grant)).To(Succeed())
	return grant
}

// waitForPhase waits until grant ns/name is in phase and returns it.
func waitForPhase(t *testing.T, ns, name string, phase supportaccessv1alpha1.GrantPhase) *supportaccessv1alpha1.SupportAccessGrant {
	t.Helper()
	var grant *supportaccessv1alpha1.SupportAccessGrant
	NewWithT(t).Eventually(func(g Gomega) {
		grant = getGrant(g, ns, name)
		g.Expect(grant.Status.Phase).To(Equal(phase))
	}, eventually, poll).Should(Succeed(), "grant %s/%s phase", ns, name)
	return grant
}

// patchGrant merges spec into grant ns/name as the admin (kubectl patch, elsewhere).
func patchGrant(t *testing.T, ns, name, spec string) {
	t.Helper()
	g := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if err := k8s.Patch(context.Background(), g, client.RawPatch(types.MergePatchType, []byte(`{"spec":`+spec+`}`))); err != nil {
		t.Fatalf("patch grant %s/%s: %v", ns, name, err)
	}
}

// sessionLease creates a session Lease of grant in ns as the auth service labels it.
func sessionLease(t *testing.T, ns, grant, name string) *coordinationv1.Lease {
	t.Helper()
	now := metav1.NewMicroTime(time.Now())
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, Labels: session.Labels(grant),
			Annotations: map[string]string{supportaccessv1alpha1.AnnotationSessionKind: supportaccessv1alpha1.SessionKindBrowser},
		},
		Spec: coordinationv1.LeaseSpec{AcquireTime: &now, RenewTime: &now},
	}
	if err := k8s.Create(context.Background(), l); err != nil {
		t.Fatalf("create session Lease: %v", err)
	}
	return l
}

// grantNames lists the grants of ns as the admin.
func grantNames(g Gomega, ns string) []string {
	list := &supportaccessv1alpha1.SupportAccessGrantList{}
	g.ExpectWithOffset(1, k8s.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	names := make([]string, 0, len(list.Items))
	for _, item := range list.Items {
		names = append(names, item.Name)
	}
	return names
}
