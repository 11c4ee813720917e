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

package auth

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// loginEventually logs in once the service has seen the grant and its Secret (its watches may lag
// the test's writes). It waits on the index rather than retrying the login: every refused login
// counts against the suite's one client address, and ten of them throttle every later test.
func loginEventually(t *testing.T, s *testService, grant issued) string {
	t.Helper()
	NewWithT(t).Eventually(func() bool {
		g, ok := s.svc.index.grantByEmail(grant.email)
		if !ok {
			return false
		}
		_, ok = s.svc.index.passwordHash(g)
		return ok && g.usable(s.svc.clock.Now())
	}, eventually, poll).Should(BeTrue(), "the service never saw grant %s", grant.grant.Name)
	token, _ := s.login(t, grant.email, grant.password)
	return token
}

// setPolicy creates or updates the account's policy and waits until the service applies it.
func setPolicy(t *testing.T, ns string, timeout supportaccessv1alpha1.InactivityTimeout, lifetime time.Duration) {
	t.Helper()
	ctx := context.Background()
	p := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "policy"}}
	err := k8s.Get(ctx, client.ObjectKeyFromObject(p), p)
	p.Spec.InactivityTimeout = timeout
	if lifetime > 0 {
		p.Spec.MaxSessionLifetime = &metav1.Duration{Duration: lifetime}
	}
	if err == nil {
		err = k8s.Update(ctx, p)
	} else {
		err = k8s.Create(ctx, p)
	}
	if err != nil {
		t.Fatalf("write policy: %v", err)
	}
	want, _ := timeout.Duration()
	NewWithT(t).Eventually(func() time.Duration { return serviceA.svc.index.settings(ns).InactivityTimeout }, eventually, poll).Should(Equal(want))
}

func TestInactivityTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		timeout supportaccessv1alpha1.InactivityTimeout // "" = no policy: the 30m default
		want    time.Duration
	}{{name: "no policy", want: 30 * time.Minute}}
	for _, v := range supportaccessv1alpha1.InactivityTimeouts {
		d, _ := v.Duration()
		tests = append(tests, struct {
			name    string
			timeout supportaccessv1alpha1.InactivityTimeout
			want    time.Duration
		}{name: string(v), timeout: v, want: d})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			clk.SetTime(time.Now())
			ns := newNamespace(t)
			if tt.timeout != "" {
				setPolicy(t, ns, tt.timeout, 24*time.Hour)
			}
			grant := issueGrant(t, ns, "idle", nil)
			token := loginEventually(t, serviceA, grant)

			// Activity slides the window: a check just before the timeout keeps the session alive.
			clk.Step(tt.want - time.Second)
			g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue(), "still valid %s after the last activity", tt.want-time.Second)
			clk.Step(tt.want - time.Second)
			g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue(), "the previous check was activity")
			clk.Step(tt.want)
			g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeFalse(), "idle for the whole timeout")

			// After an idle logout the same credentials log in again.
			serviceA.login(t, grant.email, grant.password)
		})
	}
}

func TestPolicyChangeShortensLiveSessions(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	setPolicy(t, ns, supportaccessv1alpha1.InactivityTimeout2h, 0)
	grant := issueGrant(t, ns, "live", nil)
	token := loginEventually(t, serviceA, grant)

	clk.Step(20 * time.Minute)
	setPolicy(t, ns, supportaccessv1alpha1.InactivityTimeout15m, 0)
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeFalse(), "idle 20m under a new 15m timeout")
}

func TestMaxSessionLifetime(t *testing.T) {
	g := NewWithT(t)
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	setPolicy(t, ns, supportaccessv1alpha1.InactivityTimeout1h, time.Hour+30*time.Minute)
	grant := issueGrant(t, ns, "long", nil)
	token := loginEventually(t, serviceA, grant)
	// Active every 20 minutes: never idle, but the absolute lifetime still ends it.
	for range 4 {
		clk.Step(20 * time.Minute)
		g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue())
	}
	clk.Step(10*time.Minute - time.Millisecond)
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeTrue())
	clk.Step(time.Millisecond)
	g.Expect(serviceA.review(t, token).Status.Authenticated).To(BeFalse(), "past maxSessionLifetime")
}

func TestTwoReplicasBehaveAsOne(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	serviceB, err := startService(ctx, restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	defer serviceB.stop()
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "replicas", nil)

	// Login on A is valid on B.
	token := loginEventually(t, serviceA, grant)
	waitForReview(t, serviceB, token, true)

	// Logout on B is refused on A.
	status, _, _ := serviceB.call(t, http.MethodPost, "/v1/logout", token, nil)
	g.Expect(status).To(Equal(http.StatusNoContent))
	took := waitForReview(t, serviceA, token, false)
	t.Logf("logout on B refused on A after %s", took)

	// A restarted replica keeps the sessions: they live in the API, not in memory.
	token = loginEventually(t, serviceB, grant)
	waitForReview(t, serviceA, token, true)
	serviceB.stop()
	restarted, err := startService(ctx, restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	defer restarted.stop()
	g.Expect(restarted.review(t, token).Status.Authenticated).To(BeTrue(), "session survives a restart")

	// Deleting the session's Lease (an admin's "kill session") ends it everywhere.
	leases := &coordinationv1.LeaseList{}
	g.Expect(k8s.List(ctx, leases, client.InNamespace(ns))).To(Succeed())
	g.Expect(leases.Items).To(HaveLen(1))
	g.Expect(k8s.Delete(ctx, &leases.Items[0])).To(Succeed())
	waitForReview(t, serviceA, token, false)
	waitForReview(t, restarted, token, false)
}

func TestActivityWritesAreDebounced(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "busy", nil)
	token := loginEventually(t, serviceA, grant)

	w, err := client.NewWithWatch(restConfig, client.Options{Scheme: testScheme})
	g.Expect(err).NotTo(HaveOccurred())
	watcher, err := w.Watch(ctx, &coordinationv1.LeaseList{}, client.InNamespace(ns))
	g.Expect(err).NotTo(HaveOccurred())
	defer watcher.Stop()
	var writes atomic.Int32
	counted := make(chan struct{})
	go func() {
		defer close(counted)
		for ev := range watcher.ResultChan() {
			if ev.Type == watch.Modified {
				writes.Add(1)
			}
		}
	}()

	// 1,000 checks over 100 s of (fake) time: the 30m timeout allows one write per 30 s.
	for i := range 1000 {
		if i%10 == 0 {
			clk.Step(time.Second)
		}
		if !serviceA.review(t, token).Status.Authenticated {
			t.Fatal("session refused while active")
		}
	}
	// The flusher runs every 20 ms: give it time to write what it owes, then count.
	g.Eventually(func() bool {
		lease := &coordinationv1.Lease{}
		_ = k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: serviceA.leaseNameOf(token)}, lease)
		return lease.Spec.RenewTime != nil && !lease.Spec.RenewTime.Time.Before(clk.Now().Add(-30*time.Second))
	}, eventually, 20*time.Millisecond).Should(BeTrue(), "activity reaches the Lease")
	watcher.Stop()
	<-counted
	t.Logf("1000 checks produced %d Lease writes", writes.Load())
	g.Expect(writes.Load()).To(BeNumerically(">=", 1))
	g.Expect(writes.Load()).To(BeNumerically("<=", 5))
}

func TestOnlyTheIssuedSecretHoldsThePassword(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	clk.SetTime(time.Now())
	ns := newNamespace(t)
	grant := issueGrant(t, ns, "one", nil)
	loginEventually(t, serviceA, grant)

	// A second "credentials" Secret claiming the grant, with a password of the writer's choice.
	second := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unrelated", Labels: map[string]string{
			supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
		}},
		Type: supportaccessv1alpha1.SecretTypeCredentials,
		Data: map[string][]byte{"email": []byte(grant.email), "password": []byte("chosen")},
	}
	g.Expect(controllerutil.SetControllerReference(grant.grant, second, testScheme)).To(Succeed())
	g.Expect(k8s.Create(ctx, second)).To(Succeed())
	// From an address of its own, and a few tries only: the address throttle must not answer first.
	tries := 0
	g.Consistently(func() int {
		tries++
		resp, err := clientFrom("127.0.0.9").Post(serviceA.url+"/v1/login", "application/json",
			strings.NewReader(`{"email":"`+grant.email+`","password":"chosen"}`))
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}, time.Second, 250*time.Millisecond).Should(Equal(http.StatusUnauthorized))
	g.Expect(tries).To(BeNumerically("<", 10))
	serviceA.login(t, grant.email, grant.password)

	// Deleting it does not take the real password away either.
	g.Expect(k8s.Delete(ctx, second)).To(Succeed())
	g.Consistently(func() int {
		status, _, _ := serviceA.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": grant.email, "password": grant.password})
		return status
	}, time.Second, 100*time.Millisecond).Should(Equal(http.StatusOK))
}
