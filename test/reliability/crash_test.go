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

package reliability

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

const crashGrants = 500

// TestCrashRestartLeavesNoOrphanOrDuplicate kills the manager (SIGKILL) while it issues 500
// grants, and again while it revokes them: after a restart every grant ends Active with exactly one
// Secret and one RoleBinding and a unique email, then Revoked with nothing left behind.
func TestCrashRestartLeavesNoOrphanOrDuplicate(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	first := startManager(t, "first")

	created := make(chan error, 1)
	go func() {
		created <- testutil.Parallel(crashGrants, 16, func(i int) error {
			return k8s.Create(ctx, &supportaccessv1alpha1.SupportAccessGrant{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("g-%03d", i)},
			})
		})
	}()
	// Kill it once it is well into the work, not before it started nor after it finished.
	g.Eventually(func() int { p, _, _ := phases(ctx, ns); return p[supportaccessv1alpha1.GrantPhaseActive] },
		time.Minute, 20*time.Millisecond).Should(BeNumerically(">=", 50))
	first.proc.Kill()
	atKill := snapshot(t, ctx, ns)
	t.Logf("killed the manager with %d of %d grants Active, %d more with a Secret but no Active status",
		len(atKill.activeEmails), crashGrants, len(atKill.inFlight))
	g.Expect(<-created).To(Succeed())

	second := startManager(t, "second")
	g.Eventually(func() int { p, _, _ := phases(ctx, ns); return p[supportaccessv1alpha1.GrantPhaseActive] },
		2*time.Minute, 200*time.Millisecond).Should(Equal(crashGrants))
	_, grants, err := phases(ctx, ns)
	g.Expect(err).NotTo(HaveOccurred())
	checkExactlyOneOfEach(t, ctx, ns, grants)
	checkCredentialsWork(t, ctx, second, ns, grants, atKill)
	// One manager at a time (no leader election here): hand over cleanly before the next crash.
	g.Expect(second.proc.Stop(30 * time.Second)).To(Succeed())

	// Revoke them all; kill the new manager mid-way.
	third := startManager(t, "third")
	revoked := make(chan error, 1)
	go func() {
		revoked <- testutil.Parallel(crashGrants, 16, func(i int) error {
			patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"revoked":true}}`))
			return k8s.Patch(ctx, &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("g-%03d", i)}}, patch)
		})
	}()
	g.Eventually(func() int { p, _, _ := phases(ctx, ns); return p[supportaccessv1alpha1.GrantPhaseRevoked] },
		time.Minute, 20*time.Millisecond).Should(BeNumerically(">=", 50))
	third.proc.Kill()
	g.Expect(<-revoked).To(Succeed())
	startManager(t, "fourth")
	g.Eventually(func() int { p, _, _ := phases(ctx, ns); return p[supportaccessv1alpha1.GrantPhaseRevoked] },
		2*time.Minute, 200*time.Millisecond).Should(Equal(crashGrants))
	g.Eventually(func() (int, error) {
		secrets := &corev1.SecretList{}
		err := k8s.List(ctx, secrets, client.InNamespace(ns), client.MatchingLabels{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue})
		bindings := &rbacv1.RoleBindingList{}
		if err == nil {
			err = k8s.List(ctx, bindings, client.InNamespace(ns), client.MatchingLabels{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue})
		}
		return len(secrets.Items) + len(bindings.Items), err
	}, time.Minute, 200*time.Millisecond).Should(BeZero(), "credentials or bindings left after revocation")
}

// checkExactlyOneOfEach asserts one credentials Secret and one RoleBinding per grant, owned by it,
// nothing else labelled as the operator's, and a well-formed login email per grant, issued once,
// in its Secret and its RoleBinding's subject.
func checkExactlyOneOfEach(t *testing.T, ctx context.Context, ns string, grants []supportaccessv1alpha1.SupportAccessGrant) {
	t.Helper()
	g := NewWithT(t)
	ours := client.MatchingLabels{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue}
	secrets := &corev1.SecretList{}
	g.Expect(k8s.List(ctx, secrets, client.InNamespace(ns), ours)).To(Succeed())
	bindings := &rbacv1.RoleBindingList{}
	g.Expect(k8s.List(ctx, bindings, client.InNamespace(ns), ours)).To(Succeed())
	g.Expect(secrets.Items).To(HaveLen(len(grants)), "one Secret per grant")
	g.Expect(bindings.Items).To(HaveLen(len(grants)), "one RoleBinding per grant")

	byUID := map[types.UID]supportaccessv1alpha1.SupportAccessGrant{}
	emails := map[string]string{}
	for _, gr := range grants {
		byUID[gr.UID] = gr
		g.Expect(gr.Status.LoginEmail).To(MatchRegexp(issuedEmail.String()), "login email of %s", gr.Name)
		g.Expect(emails).NotTo(HaveKey(gr.Status.LoginEmail), "email of %s issued twice", gr.Name)
		emails[gr.Status.LoginEmail] = gr.Name
	}
	for _, s := range secrets.Items {
		owner := metav1.GetControllerOf(&s)
		g.Expect(owner).NotTo(BeNil(), "orphan Secret %s", s.Name)
		gr, ok := byUID[owner.UID]
		g.Expect(ok).To(BeTrue(), "Secret %s owned by no live grant", s.Name)
		g.Expect(s.Name).To(Equal(gr.Name + "-credentials"))
		g.Expect(string(s.Data["email"])).To(Equal(gr.Status.LoginEmail), "Secret and status disagree for %s", gr.Name)
	}
	for _, b := range bindings.Items {
		owner := metav1.GetControllerOf(&b)
		g.Expect(owner).NotTo(BeNil(), "orphan RoleBinding %s", b.Name)
		gr, ok := byUID[owner.UID]
		g.Expect(ok).To(BeTrue(), "RoleBinding %s owned by no live grant", b.Name)
		g.Expect(b.Subjects).To(HaveLen(1), "RoleBinding %s subjects", b.Name)
		g.Expect(b.Subjects[0].Name).To(Equal("supportaccess:"+gr.Status.LoginEmail), "RoleBinding %s subject", b.Name)
	}
}

// issuedEmail is the shape of every login email the operator issues in the suite's login domain.
var issuedEmail = regexp.MustCompile(`^support-[a-z0-9]+@` + regexp.QuoteMeta(loginDomain) + `$`)

// killState is what the killed manager left behind.
type killState struct {
	// activeEmails maps each grant that was Active at the kill to its login email.
	activeEmails map[string]string
	// inFlight lists grants whose Secret existed at the kill while their status was not yet
	// Active: the restart must finish issuing them, not hand out what it cannot vouch for.
	inFlight []string
}

func snapshot(t *testing.T, ctx context.Context, ns string) killState {
	t.Helper()
	g := NewWithT(t)
	_, grants, err := phases(ctx, ns)
	g.Expect(err).NotTo(HaveOccurred())
	secrets := &corev1.SecretList{}
	g.Expect(k8s.List(ctx, secrets, client.InNamespace(ns),
		client.MatchingLabels{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue})).To(Succeed())
	withSecret := map[string]bool{}
	for _, s := range secrets.Items {
		withSecret[strings.TrimSuffix(s.Name, "-credentials")] = true
	}
	st := killState{activeEmails: map[string]string{}}
	for _, gr := range grants {
		switch {
		case gr.Status.Phase == supportaccessv1alpha1.GrantPhaseActive:
			st.activeEmails[gr.Name] = gr.Status.LoginEmail
		case withSecret[gr.Name]:
			st.inFlight = append(st.inFlight, gr.Name)
		}
	}
	return st
}

// checkCredentialsWork asserts that grants Active at the kill kept their login email, and that the
// credentials of a sample (every 50th grant, the grants in flight at the kill and a few Active
// then) log in through m and give a token m's /tokenreview accepts.
func checkCredentialsWork(t *testing.T, ctx context.Context, m *manager, ns string, grants []supportaccessv1alpha1.SupportAccessGrant, atKill killState) {
	t.Helper()
	g := NewWithT(t)
	sample := map[string]bool{}
	for _, name := range atKill.inFlight {
		sample[name] = true
	}
	kept := 0
	for i, gr := range grants {
		if before, ok := atKill.activeEmails[gr.Name]; ok {
			g.Expect(gr.Status.LoginEmail).To(Equal(before), "%s was Active at the kill; the restart replaced its credentials", gr.Name)
			if kept < 5 {
				sample[gr.Name] = true
				kept++
			}
		}
		if i%50 == 0 {
			sample[gr.Name] = true
		}
	}
	for name := range sample {
		token, err := login(ctx, m, ns, name)
		g.Expect(err).NotTo(HaveOccurred(), "credentials of %s do not log in after the restart", name)
		ok, err := review(m, token)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ok).To(BeTrue(), "token of %s refused after the restart", name)
	}
	t.Logf("credentials of %d grants (%d in flight at the kill) log in through the restarted manager", len(sample), len(atKill.inFlight))
}
