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

package pagerules

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/supportaccess/support-access-operator/internal/apilimits"
)

// Event reasons and action the Watcher reports with.
const (
	ReasonInvalidPageRules = "InvalidPageRules"
	actionLoadPageRules    = "LoadPageRules"
)

// Watcher keeps the page rules of one ConfigMap loaded, applying edits without a restart. An
// invalid or deleted ConfigMap keeps the last good rules in force (a typo must not open or close
// every page at once) and is reported by log, metric and, when the object exists, a Warning Event.
// Until a good set has been loaded, Current is FailClosed.
type Watcher struct {
	namespace, name string
	recorder        recorder.EventRecorder // nil: no Events
	log             logr.Logger

	current  atomic.Pointer[Set]
	loaded   atomic.Bool
	reported atomic.Pointer[string] // nil when the latest content loaded

	// mu serialises the handler (informers call it from one goroutine, but nothing forbids more);
	// Current never takes it.
	mu          sync.Mutex
	seen        bool   // lastData and lastPresent describe the ConfigMap as last processed
	lastPresent bool   // whether the rules.yaml key was there
	lastData    string // its content
}

// NewWatcher returns a Watcher for the ConfigMap namespace/name, fail-closed until it loads.
// rec, which receives the Warning Events about refused content, may be nil.
func NewWatcher(namespace, name string, rec recorder.EventRecorder, log logr.Logger) *Watcher {
	w := &Watcher{namespace: namespace, name: name, recorder: rec, log: log}
	w.current.Store(FailClosed())
	return w
}

// Current returns the rule set in force. It is one atomic load: call it once per request.
func (w *Watcher) Current() *Set { return w.current.Load() }

// Loaded reports whether a good rule set was ever loaded (false: fail-closed, every page Full).
func (w *Watcher) Loaded() bool { return w.loaded.Load() }

// ReportedError is why the ConfigMap's latest content is not in force, or "" when it is (or when
// nothing has been seen yet; Loaded tells that case apart).
func (w *Watcher) ReportedError() string {
	if p := w.reported.Load(); p != nil {
		return *p
	}
	return ""
}

// Handler returns the event handler for a ConfigMap informer. The informer may watch other
// ConfigMaps too: the handler ignores everything but the Watcher's namespace/name.
func (w *Watcher) Handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    w.apply,
		UpdateFunc: func(_, obj any) { w.apply(obj) },
		DeleteFunc: w.remove,
	}
}

// ours returns obj as the watched ConfigMap, or nil when it is anything else.
func (w *Watcher) ours(obj any) *corev1.ConfigMap {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok || cm.Namespace != w.namespace || cm.Name != w.name {
		return nil
	}
	return cm
}

// apply loads the ConfigMap's rules, or reports why they were refused.
func (w *Watcher) apply(obj any) {
	cm := w.ours(obj)
	if cm == nil {
		return
	}
	data, present := cm.Data[DataKey]

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen && present == w.lastPresent && data == w.lastData {
		return // a resync or a metadata-only edit: already loaded or already reported
	}
	w.seen, w.lastPresent, w.lastData = true, present, data

	if !present {
		w.refuse(cm, fmt.Errorf("data key %s is missing", DataKey))
		return
	}
	set, err := Parse([]byte(data))
	if err != nil {
		w.refuse(cm, err)
		return
	}
	w.current.Store(set)
	w.loaded.Store(true)
	w.reported.Store(nil)
	rulesValid.Set(1)
	rulesLoaded.Set(float64(set.Len()))
	w.log.Info("Loaded page rules", "configMap", w.key(), "rules", set.Len())
}

// refuse reports content that cannot be loaded; the rules in force stay. Called with mu held.
func (w *Watcher) refuse(cm *corev1.ConfigMap, err error) {
	msg := err.Error()
	w.reported.Store(&msg)
	rulesValid.Set(0)
	rulesLoaded.Set(float64(w.current.Load().Len()))
	loadErrors.Inc()
	kept := w.kept()
	w.log.Error(err, "Invalid page rules", "configMap", w.key(), "kept", kept)
	if w.recorder != nil {
		note := apilimits.TruncateMarked(fmt.Sprintf("Page rules not loaded, %s: %s", kept, msg), apilimits.MaxEventNote)
		w.recorder.Eventf(cm, nil, corev1.EventTypeWarning, ReasonInvalidPageRules, actionLoadPageRules, "%s", note)
	}
}

// errDeleted is what ReportedError says after the ConfigMap was deleted.
var errDeleted = errors.New("page-rules ConfigMap deleted")

// remove handles the ConfigMap's deletion: the rules in force stay (there is no object left to
// attach an Event to, so the log and the valid metric report it).
func (w *Watcher) remove(obj any) {
	if tombstone, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	if w.ours(obj) == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = false // a re-created ConfigMap is loaded afresh, even with the same content
	msg := errDeleted.Error()
	w.reported.Store(&msg)
	rulesValid.Set(0)
	rulesLoaded.Set(float64(w.current.Load().Len()))
	w.log.Error(errDeleted, "Page rules ConfigMap deleted", "configMap", w.key(), "kept", w.kept())
}

// kept describes the rules that stay in force, for logs and Events.
func (w *Watcher) kept() string {
	if !w.loaded.Load() {
		return "no rules were ever loaded, so every page needs Full"
	}
	return fmt.Sprintf("keeping the last good rules (%d)", w.current.Load().Len())
}

func (w *Watcher) key() string { return w.namespace + "/" + w.name }
