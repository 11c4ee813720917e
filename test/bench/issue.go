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
	"fmt"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/reference"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/apilimits"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/test/bench/internal/stats"
)

const (
	// issueTarget bounds issuing, as a multiple of the baseline writing the same objects
	// (docs/reference.md#performance-targets).
	issueTarget = 1.15
	// issueCPUTarget bounds the manager's CPU per grant issued (the same targets).
	issueCPUTarget = time.Millisecond
	// grantController is the grant controller's event recorder name (cmd/setup.go): client-go
	// makes it the Event's reportingController and, with "-<hostname>", its reportingInstance.
	grantController = "supportaccessgrant-controller"
	// eventsTimeout bounds the wait for the manager's last Issued Events after the last grant
	// is Active (they are posted from the recorder's goroutines, after the status write).
	eventsTimeout = 30 * time.Second
)

func runIssue(ctx context.Context, b *bench, s *section) error {
	s.Method = issueMethod(b.opts.clients, b.opts.admission)
	for _, n := range b.opts.sizes {
		base, err := b.issueBaseline(ctx, n)
		if err != nil {
			return fmt.Errorf("baseline with %d grants: %w", n, err)
		}
		op, err := b.issueOperator(ctx, n)
		if err != nil {
			return fmt.Errorf("operator with %d grants: %w", n, err)
		}
		addIssueRows(s, n, op, base)
		addIssueNotes(s, n, b.opts.admission, op, base)
	}
	return nil
}

func issueMethod(clients int, admission string) string {
	return fmt.Sprintf("Operator: %d concurrent clients create N grants; the time runs from the first create to the "+
		"watch event showing the last grant Active (the controller creates its Secret and RoleBinding before "+
		"writing Active, and posts its Issued Event after). Baseline: on a fresh control plane without the manager, the same %d clients "+
		"write what the product writes — per grant: create the grant, create its Secret and its RoleBinding (owner "+
		"references, labels, data as the operator writes them), write its Active status, then create its Issued Event "+
		"(events.k8s.io/v1, as the manager's recorder writes it: regarding the grant, the same reason, action, note and "+
		"reporting controller); it ends the same way, when the same watch shows the last grant Active. Each phase runs on a "+
		"fresh control plane. %s CPU per grant is each process's own user+system time (/proc/<pid>/stat) from the first "+
		"create until the last Issued Event is in, divided by N; it includes the CPU profile taken of the manager "+
		"(-profile). With -profile, the manager's CPU is also broken down by category: CPU profiles of the manager "+
		"back to back from the first create until the last Issued Event (profile.proto read by the bench), each "+
		"sample counted once in the first category one of its frames' functions matches (GC; the auth service's index "+
		"updates; the events recorder; decoding; requests: encoding, HTTP and TLS; the reconcile logic; the rest of the "+
		"Go runtime; other), per grant. API writes per grant: every client's writes as kube-apiserver counts them "+
		"(apiserver_request_total, POST/PUT/PATCH/APPLY/DELETE, by resource), the same measure in both phases; the "+
		"manager's own from its client-go rest_client_requests_total (by method), which counts no other client's. "+
		"Admission, from kube-apiserver's metrics: webhook calls (apiserver_admission_webhook_admission_duration_seconds), "+
		"mutating policies evaluated (apiserver_mutating_admission_policy_check_total) and validating policies' "+
		"denials or errors (apiserver_validating_admission_policy_check_total, which counts no admitted request).",
		clients, clients, issueAdmissionMethod(admission))
}

// issueAdmissionMethod says how the phases' grants are admitted in mode (-admission).
func issueAdmissionMethod(mode string) string {
	switch mode {
	case admissionPolicies:
		return "Admission (-admission=policies, as deployed on Kubernetes 1.36 and later): config/admission's policies " +
			"and the limits ConfigMap are installed in both phases' control planes, so the baseline's grant writes pay " +
			"kube-apiserver the same admission work as the operator phase's (the policies are part of what a grant " +
			"write costs, whoever writes it), and the managers serve no webhook (--disable-webhooks)."
	case admissionWebhooks:
		return "Admission (-admission=webhooks, the fallback of clusters older than 1.36): the operator phase's grants " +
			"go through the defaulting and validating webhooks, served by the manager (its CPU includes serving them); " +
			"the baseline has none, having no manager to serve them."
	default:
		return "Admission (-admission=none): neither phase has admission policies or webhooks; the managers run with " +
			"--disable-webhooks."
	}
}

// addIssueRows adds one size's figures: the target (total time), the manager's CPU per grant
// (a target of its own), and where the time goes: kube-apiserver's CPU and the writes, per grant.
func addIssueRows(s *section, n int, op, base issueResult) {
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
	perGrant := op.managerCPU / time.Duration(n)
	s.add(row{
		Figure: fmt.Sprintf("%d grants: manager CPU per grant issued", n),
		Value:  dur(perGrant),
		Target: "≤ " + dur(issueCPUTarget),
		Result: verdict(perGrant <= issueCPUTarget),
	})
	for _, r := range op.cpuRows {
		s.add(r)
	}
	s.add(row{
		Figure:   fmt.Sprintf("%d grants: kube-apiserver CPU per grant", n),
		Value:    dur(op.apiServerCPU / time.Duration(n)),
		Baseline: dur(base.apiServerCPU / time.Duration(n)),
		Ratio:    ratioDur(op.apiServerCPU, base.apiServerCPU),
		Result:   info,
	})
	s.add(row{
		Figure:   fmt.Sprintf("%d grants: API writes per grant (kube-apiserver, every client)", n),
		Value:    fmt.Sprintf("%.2f", op.writes.total()/float64(n)),
		Baseline: fmt.Sprintf("%.2f", base.writes.total()/float64(n)),
		Ratio:    ratio(op.writes.total(), base.writes.total()),
		Result:   info,
	})
	s.add(row{
		Figure: fmt.Sprintf("%d grants: the manager's own API writes per grant", n),
		Value:  op.managerWrites.perGrant(n),
		Result: info,
	})
}

func addIssueNotes(s *section, n int, mode string, op, base issueResult) {
	s.note("%d grants, operator (-admission=%s): the clients' creates done after %s; %s; "+
		"API writes per grant at kube-apiserver (bench and manager): %s; %s",
		n, mode, dur(op.created), op.admission.admissionPerGrant(n), op.writes.perGrant(n), op.cpu)
	s.note("%d grants, manager: %s", n, op.waits)
	if op.profile != "" {
		s.Details = append(s.Details, op.profile)
	}
	s.note("%d grants, baseline (-admission=%s): %s; API writes per grant at kube-apiserver: %s; %s",
		n, mode, base.admission.admissionPerGrant(n), base.writes.perGrant(n), base.cpu)
}

type issueResult struct {
	total   time.Duration
	created time.Duration // the clients' creates alone (operator phase)
	latency stats.Summary // create → Active per grant
	cpu     string        // each process's share of the cores until the last grant was Active
	waits   string        // the manager's reconcile and cache-wait figures (operator phase)
	profile string        // kube-apiserver's and the manager's CPU profiles' top entries (operator phase)
	cpuRows []row         // the manager's CPU per grant by category, from its profiles (operator phase)
	// Until the last Issued Event was written:
	managerCPU    time.Duration // operator phase
	apiServerCPU  time.Duration
	writes        apiWrites // every client's, as kube-apiserver counts them
	managerWrites apiWrites // the manager's own, from its client-go metrics (operator phase)
	admission     apiCounts // kube-apiserver's admission webhook calls and policy checks (its writes are in writes)
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
	before, err := e.apiServerCounts(ctx)
	if err != nil {
		return issueResult{}, err
	}
	cpu := e.cpuMeter()
	began := time.Now()
	err = parallel(ctx, 0, n, b.opts.clients, func(ctx context.Context, i int) error {
		g, err := e.issueByHand(ctx, i, nil)
		if err != nil {
			return err
		}
		return e.recordIssuedByHand(ctx, g)
	})
	if err != nil {
		return issueResult{}, err
	}
	last, err := tracker.wait(ctx, issueTimeout(n))
	if err != nil {
		return issueResult{}, err
	}
	res := issueResult{total: last.Sub(began), cpu: cpu.String()}
	// Every write is done when parallel returns: this returns at once.
	counts, err := e.waitEventCreates(ctx, before, n, eventsTimeout)
	if err != nil {
		return res, fmt.Errorf("count writes: %w", err)
	}
	res.writes, res.admission, res.apiServerCPU = counts.writes, counts, cpu.used("kube-apiserver")
	b.logf("%s: %d grants written by hand in %s", e.name, n, dur(res.total))
	return res, nil
}

// writeIssuedByHand creates grant i (adjusted by mutate, if set), its Secret and its RoleBinding,
// and writes its Active status, with the contents the operator gives them: the setup of the
// scenarios whose baselines need issued grants. It writes no Event, which they do not measure.
func (e *env) writeIssuedByHand(ctx context.Context, i int, mutate func(i int, g *grant)) error {
	_, err := e.issueByHand(ctx, i, mutate)
	return err
}

// issueByHand is writeIssuedByHand returning the grant as its status write left it.
func (e *env) issueByHand(ctx context.Context, i int, mutate func(i int, g *grant)) (*grant, error) {
	g := newGrant(i)
	if mutate != nil {
		mutate(i, g)
	}
	if err := e.c.Create(ctx, g); err != nil {
		return nil, fmt.Errorf("create grant %s: %w", g.Name, err)
	}
	email, err := credentials.LoginEmail(benchKeyring(), g.UID, loginDomain)
	if err != nil {
		return nil, fmt.Errorf("login email for %s: %w", g.Name, err)
	}
	password, err := credentials.Password()
	if err != nil {
		return nil, fmt.Errorf("password for %s: %w", g.Name, err)
	}
	end := g.CreationTimestamp.Add(g.Spec.Duration.Duration)
	if g.Spec.RenewedAt != nil {
		end = g.Spec.RenewedAt.Add(g.Spec.Duration.Duration)
	}
	secret := credentialsSecret(g, email, password, end)
	if err := e.c.Create(ctx, secret); err != nil {
		return nil, fmt.Errorf("create Secret %s: %w", secret.Name, err)
	}
	rb := supportRoleBinding(g, email)
	if err := e.c.Create(ctx, rb); err != nil {
		return nil, fmt.Errorf("create RoleBinding %s: %w", rb.Name, err)
	}
	orig := g.DeepCopy()
	g.Status = activeStatus(g, email, secret.Name, time.Now(), end)
	if err := e.c.Status().Patch(ctx, g, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return nil, fmt.Errorf("write status of %s: %w", g.Name, err)
	}
	return g, nil
}

// ownerRef makes g the controller of what the operator creates for it.
func ownerRef(g *grant) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: supportaccessv1alpha1.GroupVersion.String(), Kind: "SupportAccessGrant",
		Name: g.Name, UID: g.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
}

// credentialsSecret is the Secret the operator writes for g.
func credentialsSecret(g *grant, email, password string, end time.Time) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: g.Namespace, Name: g.Name + supportaccessv1alpha1.SecretNameSuffix,
			OwnerReferences: []metav1.OwnerReference{ownerRef(g)},
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
}

// supportRoleBinding is the RoleBinding the operator writes for a Limited grant g.
func supportRoleBinding(g *grant, email string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: g.Namespace, Name: "supportaccess-" + g.Name,
			OwnerReferences: []metav1.OwnerReference{ownerRef(g)},
			Labels: map[string]string{
				supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
				supportaccessv1alpha1.LabelGrant:     g.Name,
				supportaccessv1alpha1.LabelComponent: "rbac",
			},
		},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "supportaccess-limited"},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: identity.Username(email)}},
	}
}

// activeStatus is the status the operator writes when it has issued g's credentials.
func activeStatus(g *grant, email, secretName string, now, end time.Time) supportaccessv1alpha1.SupportAccessGrantStatus {
	until := end.UTC().Format(time.RFC3339)
	return supportaccessv1alpha1.SupportAccessGrantStatus{
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
}

// recordIssuedByHand creates the Issued Event the grant controller records for g once its Active
// status is written (controllers/supportaccessgrant_events.go), through the same API.
func (e *env) recordIssuedByHand(ctx context.Context, g *grant) error {
	note := fmt.Sprintf("Issued credentials for %s in Secret %s, valid until %s",
		g.Status.LoginEmail, g.Status.SecretName, g.Status.ExpiresAt.UTC().Format(time.RFC3339))
	if g.Spec.Reason != "" {
		note += " (reason: " + g.Spec.Reason + ")"
	}
	ev, err := grantEvent(g, grantController, supportaccessv1alpha1.ReasonIssued, "Issue", note)
	if err != nil {
		return err
	}
	if err := e.c.Create(ctx, ev); err != nil {
		return fmt.Errorf("create Event for %s: %w", g.Name, err)
	}
	return nil
}

// grantEvent builds a Normal events.k8s.io/v1 Event regarding g as client-go's events recorder
// (behind controller-runtime's mgr.GetEventRecorder) builds it: named after g and the time in
// hex nanoseconds, the reference to g with its resource version, reportingInstance the
// controller and the hostname.
func grantEvent(g *grant, controller, reason, action, note string) (*eventsv1.Event, error) {
	ref, err := reference.GetReference(scheme, g)
	if err != nil {
		return nil, fmt.Errorf("reference to %s: %w", g.Name, err)
	}
	hostname, _ := os.Hostname()
	now := time.Now()
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Namespace: g.Namespace, Name: fmt.Sprintf("%s.%x", g.Name, now.UnixNano())},
		EventTime:           metav1.NewMicroTime(now),
		ReportingController: controller,
		ReportingInstance:   controller + "-" + hostname,
		Action:              action,
		Reason:              reason,
		Regarding:           *ref,
		Note:                apilimits.Truncate(note, apilimits.MaxEventNote),
		Type:                corev1.EventTypeNormal,
	}, nil
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
	return e.issueWithManager(ctx, mgr, n, b.opts.profile)
}

// issueWithManager is the operator phase in e, whose manager mgr runs: it creates n grants, waits
// until mgr has made all of them Active and its Issued Events are in, and measures (with
// profile, the CPU profiles too). The scale scenario goes on with e afterwards.
func (e *env) issueWithManager(ctx context.Context, mgr *manager, n int, profile bool) (issueResult, error) {
	b := e.b
	tracker := newActiveTracker(n)
	w, err := e.watchGrants(ctx, tracker.observe)
	if err != nil {
		return issueResult{}, err
	}
	defer w.stop()
	apiBefore, err := e.apiServerCounts(ctx)
	if err != nil {
		return issueResult{}, err
	}
	managerBefore, err := mgr.writes(ctx)
	if err != nil {
		return issueResult{}, err
	}

	cpu := e.cpuMeter()
	began := time.Now()
	var prof *issueProfile
	if profile {
		prof = e.profileIssuing(ctx, mgr, n)
	}
	created, err := e.createTimed(ctx, n)
	createsDone := time.Since(began)
	if err != nil {
		return issueResult{}, err
	}
	last, err := tracker.wait(ctx, issueTimeout(n))
	if err != nil {
		return issueResult{}, err
	}
	res := issueResult{total: last.Sub(began), created: createsDone, cpu: cpu.String()}
	b.logf("%s: %d grants Active in %s (creates took %s)", e.name, n, dur(res.total), dur(createsDone))
	// The CPU is read as soon as the last Event is in, before the manager's metrics are scraped.
	counts, err := e.waitEventCreates(ctx, apiBefore, n, eventsTimeout)
	if err != nil {
		return res, fmt.Errorf("count writes: %w", err)
	}
	res.managerCPU, res.apiServerCPU = cpu.used(mgr.name), cpu.used("kube-apiserver")
	// The profiles end with the CPU reading: what they sample is what the figure counts.
	res.profile, res.cpuRows = prof.finish(ctx, n)
	res.writes, res.admission = counts.writes, counts
	if got := res.writes[eventCreates]; got < float64(n) {
		b.logf("%s: only %.0f of %d Issued Events after %s", e.name, got, n, eventsTimeout)
	}
	managerAfter, err := mgr.writes(ctx)
	if err != nil {
		return res, fmt.Errorf("count the manager's writes: %w", err)
	}
	res.managerWrites = managerAfter.since(managerBefore)
	res.waits = mgr.waitProfile(ctx)
	res.latency = issueLatencies(tracker, created)
	return res, checkIssuedObjects(ctx, e, n)
}

// createTimed creates grants [0, n) with the bench's clients and returns when each create
// returned, by grant name.
func (e *env) createTimed(ctx context.Context, n int) (map[string]time.Time, error) {
	var mu sync.Mutex
	created := make(map[string]time.Time, n)
	err := parallel(ctx, 0, n, e.b.opts.clients, func(ctx context.Context, i int) error {
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
	return created, err
}

// issueProfile is the profiling of an operator phase (-profile): kube-apiserver's CPU profile over
// the first seconds, and the manager's over the whole issuing, as a chain of short profiles.
type issueProfile struct {
	apiServer <-chan string // kube-apiserver's top entries, when its profile is done
	manager   *profileChain
}

// profileIssuing starts a CPU profile of kube-apiserver over the first seconds of issuing n grants
// and the manager's profile chain, which runs until finish.
func (e *env) profileIssuing(ctx context.Context, mgr *manager, n int) *issueProfile {
	// Over most of the expected run: the operator issues about 100 grants/s or more.
	d := time.Duration(max(2, min(30, n/150))) * time.Second
	apiServer := make(chan string, 1)
	go func() {
		top, err := e.profileAPIServer(ctx, d, "kube-apiserver-issue")
		if err != nil {
			top = "profile failed: " + err.Error()
		}
		apiServer <- fmt.Sprintf("kube-apiserver CPU profile, first %s of issuing %d grants (go tool pprof -top):\n%s", d, n, top)
	}()
	return &issueProfile{apiServer: apiServer, manager: e.startProfileChain(ctx, mgr, "manager-issue")}
}

// finish stops the manager's profiles (called once the last Issued Event is in) and returns the
// details for the report, and the manager's CPU per grant by category as rows (nothing if p is
// nil: no profile was taken).
func (p *issueProfile) finish(ctx context.Context, n int) (details string, rows []row) {
	if p == nil {
		return "", nil
	}
	paths, err := p.manager.stop()
	apiServer := <-p.apiServer
	if err != nil {
		return apiServer + "\n\nThe manager's CPU profile failed: " + err.Error(), nil
	}
	top, err := pprofTop(ctx, append([]string{"-top", "-nodecount=25"}, paths...)...)
	if err != nil {
		top = err.Error()
	}
	sums, total, err := cpuBreakdownFiles(paths)
	table := cpuBreakdownText(sums, total, n)
	if err != nil {
		table += "\n(" + err.Error() + ")"
	}
	details = fmt.Sprintf("%s\n\nThe manager's CPU by category, from its CPU profiles from the first create to the last Issued Event "+
		"(%d profiles of %s back to back, %s sampled in all):\n%s\n\nThe same profiles' top entries (go tool pprof -top, merged):\n%s",
		apiServer, len(paths), profileWindow, dur(total), table, top)
	for i, d := range sums {
		rows = append(rows, row{
			Figure: fmt.Sprintf("%d grants: manager CPU per grant, %s", n, categoryName(i)),
			Value:  fmt.Sprintf("%s (%.0f %%)", dur(d/time.Duration(n)), 100*float64(d)/float64(max(total, 1))),
			Result: info,
		})
	}
	return details, rows
}

// issueLatencies summarises create → Active per grant.
func issueLatencies(tracker *activeTracker, created map[string]time.Time) stats.Summary {
	tracker.mu.Lock()
	defer tracker.mu.Unlock()
	lat := make([]time.Duration, 0, len(created))
	for name, at := range tracker.active {
		if c, ok := created[name]; ok {
			lat = append(lat, at.Sub(c))
		}
	}
	return stats.Summarize(lat)
}

// checkIssuedObjects checks, outside the timing, what Active means: the Secret and the
// RoleBinding of every grant exist.
func checkIssuedObjects(ctx context.Context, e *env, n int) error {
	sel := client.MatchingLabels{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue}
	secrets, bindings := &corev1.SecretList{}, &rbacv1.RoleBindingList{}
	if err := e.c.List(ctx, secrets, client.InNamespace(benchNamespace), sel); err != nil {
		return fmt.Errorf("list Secrets: %w", err)
	}
	if err := e.c.List(ctx, bindings, client.InNamespace(benchNamespace), sel); err != nil {
		return fmt.Errorf("list RoleBindings: %w", err)
	}
	if len(secrets.Items) != n || len(bindings.Items) != n {
		return fmt.Errorf("after all grants became Active: %d Secrets and %d RoleBindings, want %d of each",
			len(secrets.Items), len(bindings.Items), n)
	}
	return nil
}
