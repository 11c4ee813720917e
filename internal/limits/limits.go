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

// Package limits holds the operator-wide limits of docs/reference.md#operator-limits: one
// ConfigMap in the operator's namespace that the admission policies take as their parameter and
// every part of the manager reads, so both apply the same grant cap, and an edit applies without a
// restart. Without the ConfigMap (or its key) the manager's --max-grant-duration applies.
package limits

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/supportaccess/support-access-operator/internal/policy"
)

const (
	// KeyMaxGrantDuration is the ConfigMap key of the grant cap, a Go duration of at least
	// MinGrantDuration; config/admission's policies read the same key.
	KeyMaxGrantDuration = "maxGrantDuration"
	// MinGrantDuration is the shortest cap: the shortest grant the CRD schema allows.
	MinGrantDuration = 15 * time.Minute

	// ReasonInvalidLimits is the Warning Event on a ConfigMap whose value is refused.
	ReasonInvalidLimits = "InvalidLimits"
	actionLoadLimits    = "LoadLimits"
)

// Limits is the operator-wide grant cap in force. MaxGrantDuration is one atomic load, for the
// hot paths that cap a grant's window. A value that does not parse keeps the one in force (a typo
// must not lift or tighten every account's cap at once) and is reported by log and Warning Event.
type Limits struct {
	namespace, name string
	fallback        time.Duration
	recorder        recorder.EventRecorder // nil: no Events
	log             logr.Logger

	maxGrant atomic.Int64 // time.Duration

	mu        sync.Mutex // serialises apply and the listeners it calls
	listeners []func()
}

// Fixed returns limits that never change: maxGrantDuration d (zero: no operator cap). For tests
// and for a manager run without the ConfigMap (--limits-configmap "").
func Fixed(d time.Duration) *Limits {
	l := &Limits{fallback: d, log: logr.Discard()}
	l.maxGrant.Store(int64(d))
	return l
}

// NewWatcher returns limits read from the ConfigMap namespace/name, with fallback (the manager's
// --max-grant-duration) in force until it is read, and whenever it or its key is absent. rec may be nil.
func NewWatcher(namespace, name string, fallback time.Duration, rec recorder.EventRecorder, log logr.Logger) *Limits {
	l := Fixed(fallback)
	l.namespace, l.name, l.recorder, l.log = namespace, name, rec, log
	return l
}

// MaxGrantDuration is the longest window any grant may have; an account's AccountSessionPolicy
// can only lower it (policy.GrantCap). Zero means no operator cap.
func (l *Limits) MaxGrantDuration() time.Duration { return time.Duration(l.maxGrant.Load()) }

// OnChange registers f, called (from the informer's goroutine) after the cap changed. The
// controller re-checks every grant; the auth service re-takes its grant snapshots.
func (l *Limits) OnChange(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listeners = append(l.listeners, f)
}

// Handler returns the event handler for an informer of the limits ConfigMap; other ConfigMaps
// are ignored.
func (l *Limits) Handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { l.apply(l.ours(obj)) },
		UpdateFunc: func(_, obj any) { l.apply(l.ours(obj)) },
		DeleteFunc: func(obj any) {
			if tombstone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			if l.ours(obj) != nil {
				l.set(l.fallback, "deleted")
			}
		},
	}
}

func (l *Limits) ours(obj any) *corev1.ConfigMap {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok || cm.Namespace != l.namespace || cm.Name != l.name {
		return nil
	}
	return cm
}

// apply puts the ConfigMap's cap in force, or reports why it cannot.
func (l *Limits) apply(cm *corev1.ConfigMap) {
	if cm == nil {
		return
	}
	raw, ok := cm.Data[KeyMaxGrantDuration]
	if !ok {
		l.set(l.fallback, "no "+KeyMaxGrantDuration+" key")
		return
	}
	d, err := Parse(raw)
	if err != nil {
		l.log.Error(err, "Refused the operator limits; the cap in force stays", "configMap", l.namespace+"/"+l.name,
			"maxGrantDuration", policy.FormatDuration(l.MaxGrantDuration()))
		if l.recorder != nil {
			l.recorder.Eventf(cm, nil, corev1.EventTypeWarning, ReasonInvalidLimits, actionLoadLimits,
				"%s: %v; the cap in force stays %s", KeyMaxGrantDuration, err, policy.FormatDuration(l.MaxGrantDuration()))
		}
		return
	}
	l.set(d, "loaded")
}

// set puts d in force and tells the listeners when it changed.
func (l *Limits) set(d time.Duration, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Duration(l.maxGrant.Swap(int64(d))) == d {
		return
	}
	l.log.Info("Operator grant cap changed", "configMap", l.namespace+"/"+l.name, "maxGrantDuration", policy.FormatDuration(d), "why", why)
	for _, f := range l.listeners {
		f()
	}
}

// Parse reads a maxGrantDuration value: a Go duration of at least MinGrantDuration, the rule the
// admission policy on the ConfigMap enforces too.
func Parse(raw string) (time.Duration, error) {
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 720h", raw)
	}
	if d < MinGrantDuration {
		return 0, fmt.Errorf("%q is shorter than %s", raw, policy.FormatDuration(MinGrantDuration))
	}
	return d, nil
}
