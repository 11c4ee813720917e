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

package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/test/bench/internal/stats"
)

// issueTarget bounds issuing, as a multiple of the baseline (docs/reference.md#performance-targets,
// which notes where it differs).
const issueTarget = 1.25

func runIssue(ctx context.Context, b *bench, s *section) error {
	s.Method = fmt.Sprintf("Operator: %d concurrent clients create N grants; the time runs from the first create to the "+
		"watch event showing the last grant Active (the controller creates its Secret and RoleBinding before "+
		"writing Active). Baseline: on a fresh control plane without the manager, the same %d clients write the same "+
		"objects themselves — per grant: create the grant, create its Secret and its RoleBinding (owner "+
		"references, labels, data as the operator writes them), write its Active status; it ends the same way, "+
		"when the same watch shows the last grant Active. Each phase runs on a fresh control plane; the operator's "+
		"with the admission webhooks registered (unless -webhooks=false), as deployed, the baseline's without.", b.opts.clients, b.opts.clients)
	for _, n := range b.opts.sizes {
		base, err := b.issueBaseline(ctx, n)
		if err != nil {
			return fmt.Errorf("baseline with %d grants: %w", n, err)
		}
		op, err := b.issueOperator(ctx, n)
		if err != nil {
			return fmt.Errorf("operator with %d grants: %w", n, err)
		}
		r := float64(op.total) / float64(base.total)
		s.add(row{
			Figure:   fmt.Sprintf("%d grants to Active (total time)", n),
			Value:    dur(op.total),
			Baseline: dur(base.total),
			Ratio:    ratioDur(op.total, base.total),
			Target:   fmt.Sprintf("≤ %.2f × baseline", issueTarget),
			Result:   verdict(r <= issueTarget),
		})
		s.add(row{
			Figure:   fmt.Sprintf("%d grants: throughput", n),
			Value:    perSec(float64(n) / op.total.Seconds()),
			Baseline: perSec(float64(n) / base.total.Seconds()),
			Ratio:    ratio(base.total.Seconds(), op.total.Seconds()),
			Result:   info,
		})
		s.add(row{
			Figure: fmt.Sprintf("%d grants: create → Active per grant", n),
			Value:  op.latency.String(),
			Result: info,
		})
		writes := "the admission webhooks add the finalizer to each create, and the manager then writes 3 objects " +
			"per grant (Secret, RoleBinding, status) and an Issued event: 5 API writes per grant in all"
		if !b.opts.webhooks {
			writes = "the manager then writes 4 objects per grant (finalizer, Secret, RoleBinding, status) and an " +
				"Issued event: 6 API writes per grant in all"
		}
		s.note("%d grants, operator: the clients' creates done after %s; %s, against the baseline's 4; %s",
			n, dur(op.created), writes, op.cpu)
		s.note("%d grants, manager: %s", n, op.waits)
		if op.profile != "" {
			s.Details = append(s.Details, op.profile)
		}
		s.note("%d grants, baseline: 4 API writes per grant; %s", n, base.cpu)
	}
	return nil
}

type issueResult struct {
	total   time.Duration
	created time.Duration // the clients' creates alone (operator phase)
	latency stats.Summary // create → Active per grant
	cpu     string
	waits   string // the manager's reconcile and cache-wait figures (operator phase)
	profile string // kube-apiserver's CPU profile's top entries (operator phase)
}

// issueBaseline writes, without the operator, what issuing n grants writes.
func (b *bench) issueBaseline(ctx context.Context, n int) (issueResult, error) {
	e, err := b.startEnv(ctx, fmt.Sprintf("issue-%d-baseline", n))
	if err != nil {
		return issueResult{}, err
	}
	defer e.stop()
	// The same watch as in the operator phase, so both pay for it and end the same way: when the
	// watch shows the last grant Active.
	tracker := newActiveTracker(n)
	w, err := e.watchGrants(ctx, tracker.observe)
	if err != nil {
		return issueResult{}, err
	}
	defer w.stop()
	cpu := e.cpuMeter()
	began := time.Now()
	err = parallel(ctx, 0, n, b.opts.clients, func(ctx context.Context, i int) error {
		return e.writeIssuedByHand(ctx, i, nil)
	})
	if err != nil {
		return issueResult{}, err
	}
	last, err := tracker.wait(ctx, issueTimeout(n))
	if err != nil {
		return issueResult{}, err
	}
	total := last.Sub(began)
	res := issueResult{total: total, cpu: cpu.String()}
	b.logf("%s: %d grants written by hand in %s", e.name, n, dur(total))
	return res, nil
}

// writeIssuedByHand creates grant i (adjusted by mutate, if set), its Secret and its RoleBinding,
// and writes its Active status, with the contents the operator gives them.
func (e *env) writeIssuedByHand(ctx context.Context, i int, mutate func(i int, g *grant)) error {
	g := newGrant(i)
	if mutate != nil {
		mutate(i, g)
	}
	if err := e.c.Create(ctx, g); err != nil {
		return fmt.Errorf("create grant: %w", err)
	}
	owner := metav1.OwnerReference{
		APIVersion: supportaccessv1alpha1.GroupVersion.String(), Kind: "SupportAccessGrant",
		Name: g.Name, UID: g.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
	email, err := credentials.LoginEmail(benchKeyring(), g.UID, loginDomain)
	if err != nil {
		return err
	}
	password, err := credentials.Password()
	if err != nil {
		return err
	}
	now := time.Now()
	end := g.CreationTimestamp.Add(g.Spec.Duration.Duration)
	if g.Spec.RenewedAt != nil {
		end = g.Spec.RenewedAt.Add(g.Spec.Duration.Duration)
	}
	secretName := g.Name + supportaccessv1alpha1.SecretNameSuffix
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: g.Namespace, Name: secretName, OwnerReferences: []metav1.OwnerReference{owner},
			Labels: map[string]string{
				supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
				supportaccessv1alpha1.LabelGrant:     g.Name,
				supportaccessv1alpha1.LabelComponent: "credentials",
			},
		},
		Type: supportaccessv1alpha1.SecretTypeCredentials,
		Data: map[string][]byte{
			supportaccessv1alpha1.SecretKeyPassword:  []byte(password),
			supportaccessv1alpha1.SecretKeyEmail:     []byte(email),
			supportaccessv1alpha1.SecretKeyExpiresAt: []byte(end.UTC().Format(time.RFC3339)),
		},
	}
	if err := e.c.Create(ctx, secret); err != nil {
		return fmt.Errorf("create Secret: %w", err)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: g.Namespace, Name: "supportaccess-" + g.Name, OwnerReferences: []metav1.OwnerReference{owner},
			Labels: map[string]string{
				supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
				supportaccessv1alpha1.LabelGrant:     g.Name,
				supportaccessv1alpha1.LabelComponent: "rbac",
			},
		},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "supportaccess-limited"},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: identity.Username(email)}},
	}
	if err := e.c.Create(ctx, rb); err != nil {
		return fmt.Errorf("create RoleBinding: %w", err)
	}
	orig := g.DeepCopy()
	until := end.UTC().Format(time.RFC3339)
	g.Status = supportaccessv1alpha1.SupportAccessGrantStatus{
		Phase:              supportaccessv1alpha1.GrantPhaseActive,
		LoginEmail:         email,
		SecretName:         secretName,
		IssuedAt:           &metav1.Time{Time: now},
		ExpiresAt:          &metav1.Time{Time: end},
		ObservedGeneration: g.Generation,
		Conditions: []metav1.Condition{
			{Type: supportaccessv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: supportaccessv1alpha1.ReasonIssued,
				Message:            fmt.Sprintf("Credentials in Secret %s are valid until %s", secretName, until),
				ObservedGeneration: g.Generation, LastTransitionTime: metav1.Time{Time: now}},
			{Type: "ExpiringSoon", Status: metav1.ConditionFalse, Reason: "WithinWindow",
				Message:            "Access expires at " + until,
				ObservedGeneration: g.Generation, LastTransitionTime: metav1.Time{Time: now}},
		},
	}
	if err := e.c.Status().Patch(ctx, g, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	return nil
}

// issueOperator creates n grants and waits until the manager has made all of them Active.
func (b *bench) issueOperator(ctx context.Context, n int) (issueResult, error) {
	e, err := b.startEnv(ctx, fmt.Sprintf("issue-%d-operator", n))
	if err != nil {
		return issueResult{}, err
	}
	defer e.stop()
	mgr, err := e.startManager(ctx, "manager", "--leader-elect=false")
	if err != nil {
		return issueResult{}, err
	}
	tracker := newActiveTracker(n)
	w, err := e.watchGrants(ctx, tracker.observe)
	if err != nil {
		return issueResult{}, err
	}
	defer w.stop()

	var (
		mu      sync.Mutex
		created = make(map[string]time.Time, n)
	)
	cpu := e.cpuMeter()
	began := time.Now()
	profile := make(chan string, 1)
	if b.opts.profile {
		// Over most of the expected run: the operator issues about 100 grants/s or more.
		d := time.Duration(max(2, min(30, n/150))) * time.Second
		go func() {
			// Both at once: where kube-apiserver and the manager spend the same seconds.
			var managerTop string
			var wg sync.WaitGroup
			wg.Go(func() {
				var err error
				if managerTop, err = e.profileManager(ctx, mgr, "profile", d, "manager-issue"); err != nil {
					managerTop = "profile failed: " + err.Error()
				}
			})
			top, err := e.profileAPIServer(ctx, d, "kube-apiserver-issue")
			if err != nil {
				top = "profile failed: " + err.Error()
			}
			wg.Wait()
			profile <- fmt.Sprintf("kube-apiserver CPU profile, first %s of issuing %d grants (go tool pprof -top):\n%s\n\n"+
				"The manager's CPU profile over the same seconds:\n%s", d, n, top, managerTop)
		}()
	} else {
		profile <- ""
	}
	err = parallel(ctx, 0, n, b.opts.clients, func(ctx context.Context, i int) error {
		g := newGrant(i)
		if err := e.c.Create(ctx, g); err != nil {
			return fmt.Errorf("create grant %s: %w", g.Name, err)
		}
		at := time.Now()
		mu.Lock()
		created[g.Name] = at
		mu.Unlock()
		return nil
	})
	createsDone := time.Since(began)
	if err != nil {
		return issueResult{}, err
	}
	last, err := tracker.wait(ctx, issueTimeout(n))
	if err != nil {
		return issueResult{}, err
	}
	res := issueResult{total: last.Sub(began), created: createsDone, cpu: cpu.String(), waits: mgr.waitProfile(ctx)}
	b.logf("%s: %d grants Active in %s (creates took %s)", e.name, n, dur(res.total), dur(createsDone))

	tracker.mu.Lock()
	lat := make([]time.Duration, 0, n)
	for name, at := range tracker.active {
		if c, ok := created[name]; ok {
			lat = append(lat, at.Sub(c))
		}
	}
	tracker.mu.Unlock()
	res.latency = stats.Summarize(lat)
	res.profile = <-profile

	// Active means the Secret and the RoleBinding exist; check it once, outside the timing.
	sel := client.MatchingLabels{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue}
	secrets, bindings := &corev1.SecretList{}, &rbacv1.RoleBindingList{}
	if err := e.c.List(ctx, secrets, client.InNamespace(benchNamespace), sel); err != nil {
		return res, err
	}
	if err := e.c.List(ctx, bindings, client.InNamespace(benchNamespace), sel); err != nil {
		return res, err
	}
	if len(secrets.Items) != n || len(bindings.Items) != n {
		return res, errors.New(fmt.Sprint("after all grants became Active: ", len(secrets.Items), " Secrets and ",
			len(bindings.Items), " RoleBindings, want ", n, " of each"))
	}
	return res, nil
}
