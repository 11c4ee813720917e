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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/managercache"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/config"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	corev1 "k8s.io/api/core/v1"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// A lasting failure reaches the grant's status (issue 16, docs/status.md): the manager, running
// with the RBAC the deploy gives it (config/rbac/role.yaml), is told to bind a --full-cluster-role
// that its bind rule does not name. The grant turns Ready=False and Stalled=True, reason
// Forbidden, with one Warning event however often it is retried; once the manager may bind the
// role, the grant becomes Active and the Stalled condition goes. Its own control plane: the
// suite's reconciler acts as a cluster admin, whom RBAC refuses nothing.
func TestForbiddenBindingStallsAndRecovers(t *testing.T) {
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, cfg, err := testutil.StartEnv()
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { _ = env.Stop() }()
	admin, err := client.New(cfg, client.Options{Scheme: testScheme})
	g.Expect(err).NotTo(HaveOccurred())

	// The manager's ClusterRole as shipped, bound to the user the manager runs as.
	managerRole := shippedManagerClusterRole(t)
	g.Expect(admin.Create(ctx, managerRole)).To(Succeed())
	user, err := env.AddUser(envtest.User{Name: "support-access-manager"}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	bindClusterRole(ctx, g, admin, "manager", managerRole.Name, "support-access-manager")
	// A role to give Full support users that the manager's bind rule does not name.
	const unnamedRole = "support-test-full-unnamed"
	g.Expect(admin.Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: unnamedRole},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"delete"}}},
	})).To(Succeed())

	mgr, err := ctrl.NewManager(user.Config(), ctrl.Options{
		Scheme: testScheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		Cache: managercache.Options(), Client: managercache.ClientOptions(),
		// The suite's manager registered the controller's name (and metrics) already.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	g.Expect(err).NotTo(HaveOccurred())
	reconciler := &SupportAccessGrantReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Keyring: testKeyring, Scheme: mgr.GetScheme(),
		Clock: clock.RealClock{}, Recorder: mgr.GetEventRecorder("supportaccessgrant-controller"),
		Options: GrantOptions{
			LoginDomain: testLoginDomain, Limits: limits.Fixed(720 * time.Hour),
			LimitedClusterRole: "supportaccess-limited", FullClusterRole: unnamedRole,
			MaxConcurrentReconciles: 1, ConflictRetryInterval: 200 * time.Millisecond,
		},
	}
	g.Expect(reconciler.SetupWithManager(mgr)).To(Succeed())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() {
		cancel()
		g.Expect(<-done).To(Succeed())
	}()

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "account-"}}
	g.Expect(admin.Create(ctx, ns)).To(Succeed())
	grant := &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "full"},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{AccessLevel: supportaccessv1alpha1.AccessLevelFull},
	}
	g.Expect(admin.Create(ctx, grant)).To(Succeed())
	key := client.ObjectKeyFromObject(grant)

	read := func(g Gomega) *supportaccessv1alpha1.SupportAccessGrant {
		got := &supportaccessv1alpha1.SupportAccessGrant{}
		g.Expect(admin.Get(ctx, key, got)).To(Succeed())
		return got
	}
	g.Eventually(func(g Gomega) {
		got := read(g)
		ready := meta.FindStatusCondition(got.Status.Conditions, supportaccessv1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(supportaccessv1alpha1.ReasonForbidden))
		g.Expect(ready.Message).To(ContainSubstring("forbidden"))
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, supportaccessv1alpha1.ConditionStalled)).To(BeTrue())
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation), "a stall is the generation handled")
		g.Expect(got.Status.Phase).To(Equal(supportaccessv1alpha1.GrantPhasePending))
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())

	forbiddenEvents := func(g Gomega) int {
		list := &eventsv1.EventList{}
		g.Expect(admin.List(ctx, list, client.InNamespace(ns.Name))).To(Succeed())
		n := 0
		for _, e := range list.Items {
			if e.Regarding.Name == "full" && e.Reason == supportaccessv1alpha1.ReasonForbidden {
				g.Expect(e.Type).To(Equal(corev1.EventTypeWarning))
				n++
				if e.Series != nil {
					n += int(e.Series.Count) - 1 // the recorder folds repeats into one Event's series
				}
			}
		}
		return n
	}
	g.Eventually(forbiddenEvents).WithTimeout(eventually).WithPolling(poll).Should(Equal(1), "one Warning event")
	// Retried every 200 ms for 2 s: still one event.
	g.Consistently(forbiddenEvents).WithTimeout(2*time.Second).WithPolling(250*time.Millisecond).Should(Equal(1), "one Warning event per distinct failure, not per retry")

	// The platform team lets the manager bind the role: the grant recovers by itself.
	g.Expect(admin.Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "manager-binds-" + unnamedRole},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"},
			ResourceNames: []string{unnamedRole}, Verbs: []string{"bind"}}},
	})).To(Succeed())
	bindClusterRole(ctx, g, admin, "manager-binds", "manager-binds-"+unnamedRole, "support-access-manager")
	g.Eventually(func(g Gomega) {
		got := read(g)
		g.Expect(got.Status.Phase).To(Equal(supportaccessv1alpha1.GrantPhaseActive))
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, supportaccessv1alpha1.ConditionReady)).To(BeTrue())
		g.Expect(meta.FindStatusCondition(got.Status.Conditions, supportaccessv1alpha1.ConditionStalled)).To(BeNil(), "Stalled clears")
		g.Expect(meta.FindStatusCondition(got.Status.Conditions, supportaccessv1alpha1.ConditionReconciling)).To(BeNil())
	}).WithTimeout(eventually).WithPolling(poll).Should(Succeed())
	g.Expect(forbiddenEvents(g)).To(Equal(1))
}

// shippedManagerClusterRole is the manager's ClusterRole from config/rbac/role.yaml (generated
// from the +kubebuilder:rbac markers).
func shippedManagerClusterRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		role := &rbacv1.ClusterRole{}
		if err := yaml.Unmarshal([]byte(doc), role); err != nil {
			t.Fatalf("decode config/rbac/role.yaml: %v", err)
		}
		if role.Kind == "ClusterRole" {
			return role
		}
	}
	t.Fatal("config/rbac/role.yaml has no ClusterRole")
	return nil
}

func bindClusterRole(ctx context.Context, g Gomega, c client.Client, name, role, user string) {
	g.ExpectWithOffset(1, c.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: "rbac.authorization.k8s.io", Name: user}},
	})).To(Succeed())
}
