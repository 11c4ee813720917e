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
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"

	"github.com/supportaccess/support-access-operator/internal/apilimits"
)

const (
	testNamespace = "support-access-system"
	testName      = "support-access-page-rules"
)

const (
	fourRules = "rules:\n" +
		"- {pathPrefix: /messages, accessLevel: Full}\n- {pathPrefix: /contacts, accessLevel: Full}\n" +
		"- {pathPrefix: /campaigns, accessLevel: Full}\n- {pathPrefix: /inbox, accessLevel: Full}\n" +
		"default: Limited\n"
	oneRule      = "rules:\n- {pathPrefix: /messages, accessLevel: Full}\ndefault: Limited\n"
	badRule      = "rules:\n- {pathPrefix: messages, accessLevel: Full}\ndefault: Limited\n"
	otherBadRule = "rules:\n- {pathRegex: '(', accessLevel: Full}\ndefault: Limited\n"
)

// configMap returns the watched ConfigMap with rules under DataKey; a nil rules leaves the key out.
func configMap(namespace, name string, rules *string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	if rules != nil {
		cm.Data = map[string]string{DataKey: *rules}
	}
	return cm
}

func ptr(s string) *string { return &s }

// logSink collects log lines, so a test can check what the Watcher told the operator.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *logSink) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.lines = append(s.lines, prefix+" "+args)
	}, funcr.Options{})
}

func (s *logSink) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	lines := s.lines
	s.lines = nil
	return lines
}

// value reads a gauge's or counter's current value.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	if g := out.GetGauge(); g != nil {
		return g.GetValue()
	}
	return out.GetCounter().GetValue()
}

// drain returns the events recorded so far.
func drain(r *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-r.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// TestWatcher walks one Watcher through a ConfigMap's life; each step checks the rules in force,
// the reported state, the metrics, the Events and the logs.
func TestWatcher(t *testing.T) {
	type step struct {
		name   string
		do     func(h toolscache.ResourceEventHandler)
		rules  int    // Current().Len()
		loaded bool   // Loaded()
		err    string // ReportedError() prefix; "" for none
		valid  float64
		// errorsAdded is how much the load-errors counter grew in this step.
		errorsAdded float64
		event       string // the one Event expected, by prefix; "" for none
		log         string // a substring of the step's logs; "" for no logs
	}
	watched := func(rules *string) *corev1.ConfigMap { return configMap(testNamespace, testName, rules) }
	steps := []step{
		{
			name: "invalid before anything loaded stays fail-closed",
			do:   func(h toolscache.ResourceEventHandler) { h.OnAdd(watched(ptr(badRule)), true) },
			err:  `rules[0].pathPrefix: "messages": must start with /`, errorsAdded: 1,
			event: `Warning InvalidPageRules Page rules not loaded, no rules were ever loaded, so every page needs Full: rules[0].pathPrefix`,
			log:   `"msg"="Invalid page rules"`,
		},
		{
			name:  "valid content loads",
			do:    func(h toolscache.ResourceEventHandler) { h.OnUpdate(watched(ptr(badRule)), watched(ptr(fourRules))) },
			rules: 4, loaded: true, valid: 1,
			log: `"msg"="Loaded page rules" "configMap"="support-access-system/support-access-page-rules" "rules"=4`,
		},
		{
			name:  "resync of the same content does nothing",
			do:    func(h toolscache.ResourceEventHandler) { h.OnUpdate(watched(ptr(fourRules)), watched(ptr(fourRules))) },
			rules: 4, loaded: true, valid: 1,
		},
		{
			name: "invalid edit keeps the last good rules",
			do: func(h toolscache.ResourceEventHandler) {
				h.OnUpdate(watched(ptr(fourRules)), watched(ptr(otherBadRule)))
			},
			rules: 4, loaded: true, err: "rules[0].pathRegex: invalid: ", errorsAdded: 1,
			event: "Warning InvalidPageRules Page rules not loaded, keeping the last good rules (4): rules[0].pathRegex: invalid: ",
			log:   `"kept"="keeping the last good rules (4)"`,
		},
		{
			name: "the same invalid content again is not reported twice",
			do: func(h toolscache.ResourceEventHandler) {
				h.OnUpdate(watched(ptr(otherBadRule)), watched(ptr(otherBadRule)))
			},
			rules: 4, loaded: true, err: "rules[0].pathRegex: invalid: ",
		},
		{
			name:  "a missing key is invalid",
			do:    func(h toolscache.ResourceEventHandler) { h.OnUpdate(watched(ptr(otherBadRule)), watched(nil)) },
			rules: 4, loaded: true, err: "data key rules.yaml is missing", errorsAdded: 1,
			event: "Warning InvalidPageRules Page rules not loaded, keeping the last good rules (4): data key rules.yaml is missing",
			log:   "data key rules.yaml is missing",
		},
		{
			name: "other ConfigMaps and objects are ignored",
			do: func(h toolscache.ResourceEventHandler) {
				h.OnAdd(configMap(testNamespace, "other", ptr(oneRule)), false)
				h.OnAdd(configMap("other-namespace", testName, ptr(oneRule)), false)
				h.OnUpdate(nil, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: testName}})
				h.OnDelete(configMap(testNamespace, "other", nil))
				h.OnDelete(toolscache.DeletedFinalStateUnknown{Key: "x/y", Obj: configMap("x", "y", nil)})
				h.OnAdd(nil, false)
			},
			rules: 4, loaded: true, err: "data key rules.yaml is missing",
		},
		{
			name:  "a fixed edit loads",
			do:    func(h toolscache.ResourceEventHandler) { h.OnUpdate(watched(nil), watched(ptr(oneRule))) },
			rules: 1, loaded: true, valid: 1,
			log: `"rules"=1`,
		},
		{
			name:  "deletion keeps the last good rules",
			do:    func(h toolscache.ResourceEventHandler) { h.OnDelete(watched(ptr(oneRule))) },
			rules: 1, loaded: true, err: "page-rules ConfigMap deleted",
			log: `"msg"="Page rules ConfigMap deleted"`,
		},
		{
			name:  "re-creation with the same content loads again",
			do:    func(h toolscache.ResourceEventHandler) { h.OnAdd(watched(ptr(oneRule)), false) },
			rules: 1, loaded: true, valid: 1,
			log: `"rules"=1`,
		},
		{
			name: "deletion seen as a tombstone",
			do: func(h toolscache.ResourceEventHandler) {
				h.OnDelete(toolscache.DeletedFinalStateUnknown{Key: testNamespace + "/" + testName, Obj: watched(nil)})
			},
			rules: 1, loaded: true, err: "page-rules ConfigMap deleted",
			log: "deleted",
		},
	}

	rec := events.NewFakeRecorder(10)
	logs := &logSink{}
	w := NewWatcher(testNamespace, testName, rec, logs.logger())
	if w.Current() != FailClosed() || w.Loaded() || w.ReportedError() != "" {
		t.Fatalf("new Watcher: Current %p (FailClosed %p), Loaded %v, ReportedError %q",
			w.Current(), FailClosed(), w.Loaded(), w.ReportedError())
	}
	h := w.Handler()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			errorsBefore := value(t, loadErrors)
			s.do(h)

			cur := w.Current()
			if cur.Len() != s.rules {
				t.Errorf("Current().Len() = %d, want %d", cur.Len(), s.rules)
			}
			if !s.loaded && cur != FailClosed() {
				t.Errorf("Current() is not FailClosed before any load")
			}
			if w.Loaded() != s.loaded {
				t.Errorf("Loaded() = %v, want %v", w.Loaded(), s.loaded)
			}
			if got := w.ReportedError(); (s.err == "") != (got == "") || !strings.HasPrefix(got, s.err) {
				t.Errorf("ReportedError() = %q, want prefix %q", got, s.err)
			}
			if got := value(t, rulesValid); got != s.valid {
				t.Errorf("%s = %v, want %v", "supportaccess_page_rules_valid", got, s.valid)
			}
			if got := value(t, rulesLoaded); got != float64(s.rules) {
				t.Errorf("%s = %v, want %d", "supportaccess_page_rules_loaded", got, s.rules)
			}
			if got := value(t, loadErrors) - errorsBefore; got != s.errorsAdded {
				t.Errorf("%s grew by %v, want %v", "supportaccess_page_rules_load_errors_total", got, s.errorsAdded)
			}

			evs := drain(rec)
			switch {
			case s.event == "" && len(evs) > 0:
				t.Errorf("events = %q, want none", evs)
			case s.event != "" && (len(evs) != 1 || !strings.HasPrefix(evs[0], s.event)):
				t.Errorf("events = %q, want one starting %q", evs, s.event)
			}

			lines := logs.take()
			joined := strings.Join(lines, "\n")
			switch {
			case s.log == "" && len(lines) > 0:
				t.Errorf("logs = %q, want none", lines)
			case s.log != "" && !strings.Contains(joined, s.log):
				t.Errorf("logs = %q, want one containing %q", lines, s.log)
			}
		})
	}
}

// TestWatcherNilRecorder checks that a Watcher without a recorder still refuses and reports.
func TestWatcherNilRecorder(t *testing.T) {
	w := NewWatcher(testNamespace, testName, nil, logr.Discard())
	w.Handler().OnAdd(configMap(testNamespace, testName, ptr(badRule)), true)
	if w.Loaded() || w.ReportedError() == "" {
		t.Errorf("Loaded() = %v, ReportedError() = %q; want false and an error", w.Loaded(), w.ReportedError())
	}
}

// TestWatcherEventNoteFitsTheAPI checks that a long parse error (a regex error quotes the whole
// expression) still makes an Event the API server accepts.
func TestWatcherEventNoteFitsTheAPI(t *testing.T) {
	rec := events.NewFakeRecorder(1)
	w := NewWatcher(testNamespace, testName, rec, logr.Discard())
	long := "rules:\n- pathRegex: '(" + strings.Repeat("é", MaxRegexLength/2-1) + "'\n  accessLevel: Full\ndefault: Limited\n"
	w.Handler().OnAdd(configMap(testNamespace, testName, &long), true)
	evs := drain(rec)
	if len(evs) != 1 {
		t.Fatalf("events = %d, want 1", len(evs))
	}
	note := strings.TrimPrefix(evs[0], corev1.EventTypeWarning+" "+ReasonInvalidPageRules+" ")
	if len(note) > apilimits.MaxEventNote || !strings.HasSuffix(note, "…") {
		t.Errorf("note is %d bytes, want at most %d and marked as cut: %q", len(note), apilimits.MaxEventNote, note)
	}
	if len(w.ReportedError()) <= apilimits.MaxEventNote {
		t.Errorf("ReportedError() was cut too (%d bytes); only the Event note should be", len(w.ReportedError()))
	}
}

// TestWatcherConcurrentReads runs requests against Current while the ConfigMap changes, for the
// race detector: readers never see a torn set and never block.
func TestWatcherConcurrentReads(t *testing.T) {
	w := NewWatcher(testNamespace, testName, nil, logr.Discard())
	h := w.Handler()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if got := w.Current().Required("GET", "/messages/1"); got != Full {
					t.Errorf("Required(GET, /messages/1) = %s, want Full in every set", got)
					return
				}
				_ = w.Loaded()
				_ = w.ReportedError()
			}
		})
	}
	contents := []string{fourRules, badRule, oneRule, otherBadRule}
	for i := range 200 {
		h.OnUpdate(nil, configMap(testNamespace, testName, ptr(contents[i%len(contents)])))
	}
	close(stop)
	wg.Wait()
}
