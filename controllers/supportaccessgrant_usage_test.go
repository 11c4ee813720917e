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
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/usage"
)

const (
	usageFlushes     = 1000
	usageSpecChanges = 100
	flushesPerChange = usageFlushes / usageSpecChanges
)

// TestOneWriterPerStatusField runs the usage report (usage.Report, the real writer of
// status.activeSessions and status.lastUsedAt) 1,000 times while the spec of the same grant
// changes 100 times: access level, reason, duration, renewals, and ten expire-and-reissue cycles,
// each reflected by the controller before the next. A watch through the API records every version
// of the grant. With one writer per status field there is
//   - no lost update: at the end the usage fields hold the report's last write and the controller's
//     fields the last spec;
//   - no flapping: the usage fields only ever show what the report wrote, in the order it wrote it
//     (never a zero the controller wrote when the grant expired), and observedGeneration never
//     goes back.
func TestOneWriterPerStatusField(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	began := time.Now()
	ns := newNamespace(t)
	created := newGrant(t, ns, "shared", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
		gr.Spec.Duration = &metav1.Duration{Duration: time.Hour}
	})
	key := client.ObjectKeyFromObject(created)
	initial := waitForPhase(t, key, supportaccessv1alpha1.GrantPhaseActive)
	rec := recordGrant(t, key, initial.ResourceVersion)

	// The usage writer: one flush per token, 10 tokens per spec change. Every fifth flush reports
	// the count only (nobody used the grant since the last one), as the maintenance loop does.
	tokens := make(chan struct{}, usageFlushes)
	var flushed atomic.Int32
	written := []usageState{usageOf(initial)} // what the usage fields hold after each write
	var writeErrs []error
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		usedBase := time.Now().Add(-time.Hour).Truncate(time.Second)
		state := usageOf(initial)
		k := 0
		for range tokens {
			k++
			active := int32(1 + (k*7)%13)
			var lastUsed *time.Time
			next := usageState{active: active, lastUsed: state.lastUsed}
			if k%5 != 0 {
				used := usedBase.Add(time.Duration(k) * time.Second)
				lastUsed = &used
				next.lastUsed = used.UTC().Format(time.RFC3339)
			}
			if err := usage.Report(ctx, k8s, key, active, lastUsed); err != nil {
				writeErrs = append(writeErrs, err)
			} else {
				state = next
				written = append(written, state)
			}
			flushed.Add(1)
		}
	}()

	// The spec changes, each waited for in status (observedGeneration) before the next. Changes
	// 3, 13, 23, … expire the grant (a renewedAt two hours back with a one-hour duration); the next
	// renews it with fresh credentials.
	var lags []time.Duration
	for i := range usageSpecChanges {
		name, mutate, wantPhase := usageSpecChange(i)
		// The previous change's flushes are done: flushes and changes advance together.
		g.Eventually(flushed.Load, eventually, time.Millisecond).Should(BeNumerically(">=", flushesPerChange*i))

		var generation int64
		g.Eventually(func() error {
			gr := &supportaccessv1alpha1.SupportAccessGrant{}
			if err := k8s.Get(ctx, key, gr); err != nil {
				return err
			}
			gr.Spec.Reason = fmt.Sprintf("Ticket #%d: %s", 5000+i, name)
			mutate(gr)
			err := k8s.Update(ctx, gr)
			generation = gr.Generation
			return err
		}, eventually, poll).Should(Succeed())
		changed := time.Now()
		for range flushesPerChange {
			tokens <- struct{}{}
		}

		var reflected statusVersion
		g.Eventually(func() bool {
			v, ok := rec.first(func(v statusVersion) bool { return v.observedGeneration >= generation })
			reflected = v
			return ok
		}, eventually, time.Millisecond).Should(BeTrue(), "change %d (%s, generation %d) reflected in status", i, name, generation)
		g.Expect(reflected.phase).To(Equal(wantPhase), "phase after change %d (%s)", i, name)
		lags = append(lags, reflected.seenAt.Sub(changed))
	}
	close(tokens)
	<-writerDone
	g.Expect(writeErrs).To(BeEmpty(), "usage reports refused")
	g.Expect(written).To(HaveLen(usageFlushes+1), "every flush written")

	// Every version up to the final one, as the API served them.
	final := &supportaccessv1alpha1.SupportAccessGrant{}
	g.Expect(k8s.Get(ctx, key, final)).To(Succeed())
	g.Eventually(func() bool {
		_, ok := rec.first(func(v statusVersion) bool { return v.resourceVersion == final.ResourceVersion })
		return ok
	}, eventually, time.Millisecond).Should(BeTrue(), "the watch delivers the final version")
	versions := rec.stop()
	g.Expect(rec.err).NotTo(HaveOccurred(), "watch")
	slices.Sort(lags)
	t.Logf("%d usage flushes during %d spec changes: %d grant versions observed in %s; change to status p50 %s, p90 %s, max %s",
		usageFlushes, usageSpecChanges, len(versions), time.Since(began).Round(time.Millisecond),
		lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)*9/10].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))

	// No lost update: each writer's last values are what is stored.
	g.Expect(usageOf(final)).To(Equal(written[len(written)-1]), "the usage fields hold the report's last write")
	g.Expect(final.Status.ObservedGeneration).To(Equal(final.Generation))
	g.Expect(final.Status.Phase).To(Equal(supportaccessv1alpha1.GrantPhaseActive))
	g.Expect(final.Spec.RenewedAt).NotTo(BeNil())
	g.Expect(final.Status.ExpiresAt.Time).To(BeTemporally("==", final.Spec.RenewedAt.Add(final.Spec.Duration.Duration)),
		"expiresAt from the last spec")
	ready := meta.FindStatusCondition(final.Status.Conditions, supportaccessv1alpha1.ConditionReady)
	g.Expect(ready).NotTo(BeNil())
	g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(ready.ObservedGeneration).To(Equal(final.Generation))
	g.Expect(fieldOwners(t, final, "activeSessions")).To(ConsistOf(usage.FieldManager))
	g.Expect(fieldOwners(t, final, "lastUsedAt")).To(ConsistOf(usage.FieldManager))

	// No flapping: observedGeneration never goes back, and the usage fields only ever show what
	// the usage report wrote, in order.
	var lastObserved int64
	for _, v := range versions {
		g.Expect(v.observedGeneration).To(BeNumerically(">=", lastObserved),
			"observedGeneration went back at resourceVersion %s", v.resourceVersion)
		lastObserved = v.observedGeneration
	}
	foreign := foreignUsage(usageOf(initial), versions, written)
	for i, f := range foreign {
		if i == 5 {
			t.Errorf("… and %d more", len(foreign)-5)
			break
		}
		t.Errorf("resourceVersion %s (phase %s, generation %d) shows activeSessions=%d lastUsedAt=%q after %+v: "+
			"not the usage report's next write", f.version.resourceVersion, f.version.phase, f.version.generation,
			f.version.usage.active, f.version.usage.lastUsed, f.previous)
	}
	g.Expect(len(foreign)).To(BeZero(), "versions whose usage fields someone other than the usage report wrote, of %d", len(versions))
}

// usageSpecChange is the i-th spec change of TestOneWriterPerStatusField and the phase it leads to.
func usageSpecChange(i int) (string, func(*supportaccessv1alpha1.SupportAccessGrant), supportaccessv1alpha1.GrantPhase) {
	now := time.Now().Truncate(time.Second)
	active := supportaccessv1alpha1.GrantPhaseActive
	switch {
	case i%10 == 3:
		return "expire", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
			gr.Spec.RenewedAt = &metav1.Time{Time: now.Add(-2 * time.Hour)}
			gr.Spec.Duration = &metav1.Duration{Duration: time.Hour}
		}, supportaccessv1alpha1.GrantPhaseExpired
	case i%10 == 4:
		return "renew expired", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
			gr.Spec.RenewedAt = &metav1.Time{Time: now}
		}, active
	case i%3 == 0:
		return "access level", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
			if gr.Spec.AccessLevel == supportaccessv1alpha1.AccessLevelFull {
				gr.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelLimited
			} else {
				gr.Spec.AccessLevel = supportaccessv1alpha1.AccessLevelFull
			}
		}, active
	case i%3 == 1:
		return "duration", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
			gr.Spec.Duration = &metav1.Duration{Duration: time.Hour + time.Duration(i%4)*30*time.Minute}
		}, active
	default:
		return "renew active", func(gr *supportaccessv1alpha1.SupportAccessGrant) {
			gr.Spec.RenewedAt = &metav1.Time{Time: now}
		}, active
	}
}

// usageState is what status.activeSessions and status.lastUsedAt hold.
type usageState struct {
	active   int32
	lastUsed string // RFC 3339; empty when unset
}

func usageOf(gr *supportaccessv1alpha1.SupportAccessGrant) usageState {
	s := usageState{active: gr.Status.ActiveSessions}
	if gr.Status.LastUsedAt != nil {
		s.lastUsed = gr.Status.LastUsedAt.UTC().Format(time.RFC3339)
	}
	return s
}

// statusVersion is one version of the grant as the API served it.
type statusVersion struct {
	resourceVersion    string
	generation         int64
	observedGeneration int64
	phase              supportaccessv1alpha1.GrantPhase
	usage              usageState
	seenAt             time.Time
}

type foreignVersion struct {
	version  statusVersion
	previous usageState
}

// foreignUsage returns the versions whose usage fields are not the usage report's: the sequence
// of usage values served must be a subsequence of the values written, in order.
func foreignUsage(initial usageState, versions []statusVersion, written []usageState) []foreignVersion {
	var out []foreignVersion
	current, next := initial, 0
	for _, v := range versions {
		if v.usage == current {
			continue
		}
		j := next
		for j < len(written) && written[j] != v.usage {
			j++
		}
		if j == len(written) {
			out = append(out, foreignVersion{version: v, previous: current})
		} else {
			next = j + 1
		}
		current = v.usage
	}
	return out
}

// fieldOwners lists the managers that own status.<field> in the grant's managedFields.
func fieldOwners(t *testing.T, gr *supportaccessv1alpha1.SupportAccessGrant, field string) []string {
	t.Helper()
	var owners []string
	for _, mf := range gr.ManagedFields {
		if mf.FieldsV1 == nil {
			continue
		}
		var set map[string]map[string]any
		if err := json.Unmarshal(mf.FieldsV1.Raw, &set); err != nil {
			t.Fatalf("managed fields of %s: %v", mf.Manager, err)
		}
		if _, ok := set["f:status"]["f:"+field]; ok {
			owners = append(owners, mf.Manager)
		}
	}
	return owners
}

// grantRecorder keeps every version of one grant that a watch through the API delivers.
type grantRecorder struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	versions []statusVersion
	err      error
}

// recordGrant watches key from resourceVersion on, through the API (not the manager's cache).
func recordGrant(t *testing.T, key types.NamespacedName, resourceVersion string) *grantRecorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rec := &grantRecorder{cancel: cancel, done: make(chan struct{})}
	start := func(rv string) (watch.Interface, error) {
		return k8s.Watch(ctx, &supportaccessv1alpha1.SupportAccessGrantList{}, &client.ListOptions{
			Namespace:     key.Namespace,
			FieldSelector: fields.OneTermEqualSelector("metadata.name", key.Name),
			Raw:           &metav1.ListOptions{ResourceVersion: rv},
		})
	}
	w, err := start(resourceVersion)
	if err != nil {
		cancel()
		t.Fatalf("watch grant %s: %v", key, err)
	}
	t.Cleanup(func() { rec.stop() })
	go func() {
		defer close(rec.done)
		rv := resourceVersion
		for {
			for ev := range w.ResultChan() {
				switch ev.Type {
				case watch.Added, watch.Modified:
					gr := ev.Object.(*supportaccessv1alpha1.SupportAccessGrant)
					rv = gr.ResourceVersion
					rec.add(statusVersion{
						resourceVersion:    gr.ResourceVersion,
						generation:         gr.Generation,
						observedGeneration: gr.Status.ObservedGeneration,
						phase:              gr.Status.Phase,
						usage:              usageOf(gr),
						seenAt:             time.Now(),
					})
				case watch.Error:
					if ctx.Err() == nil { // not the watch's own end, which client-go reports as an error
						rec.fail(apierrors.FromObject(ev.Object))
					}
					w.Stop()
					return
				case watch.Deleted:
					rec.fail(fmt.Errorf("grant %s deleted", key))
				}
			}
			w.Stop()
			if ctx.Err() != nil {
				return
			}
			// The server ended the watch: go on from the last version seen, so none is missed.
			if w, err = start(rv); err != nil {
				rec.fail(err)
				return
			}
		}
	}()
	return rec
}

func (r *grantRecorder) add(v statusVersion) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.versions = append(r.versions, v)
}

func (r *grantRecorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// first returns the first version recorded that matches.
func (r *grantRecorder) first(match func(statusVersion) bool) (statusVersion, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.versions {
		if match(v) {
			return v, true
		}
	}
	return statusVersion{}, false
}

// stop ends the watch and returns every version recorded.
func (r *grantRecorder) stop() []statusVersion {
	r.cancel()
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.versions)
}
