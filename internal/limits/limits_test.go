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

package limits

import (
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
)

func limitsMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ops", Name: "limits"}, Data: data}
}

// TestWatcher feeds the handler a sequence of ConfigMap events and checks the cap in force after
// each, and whether the listeners heard of it.
func TestWatcher(t *testing.T) {
	type step struct {
		name      string
		event     func(h toolscache.ResourceEventHandler)
		want      time.Duration
		wantCalls int // listener calls so far
	}
	add := func(cm *corev1.ConfigMap) func(toolscache.ResourceEventHandler) {
		return func(h toolscache.ResourceEventHandler) { h.OnAdd(cm, true) }
	}
	update := func(cm *corev1.ConfigMap) func(toolscache.ResourceEventHandler) {
		return func(h toolscache.ResourceEventHandler) { h.OnUpdate(nil, cm) }
	}
	del := func(obj any) func(toolscache.ResourceEventHandler) {
		return func(h toolscache.ResourceEventHandler) { h.OnDelete(obj) }
	}
	other := limitsMap(map[string]string{KeyMaxGrantDuration: "1h"})
	other.Name = "someone-else"
	steps := []step{
		{name: "loaded", event: add(limitsMap(map[string]string{KeyMaxGrantDuration: "24h"})), want: 24 * time.Hour, wantCalls: 1},
		{name: "same value again", event: update(limitsMap(map[string]string{KeyMaxGrantDuration: "1440m"})), want: 24 * time.Hour, wantCalls: 1},
		{name: "another ConfigMap is ignored", event: add(other), want: 24 * time.Hour, wantCalls: 1},
		{name: "not a duration keeps the cap", event: update(limitsMap(map[string]string{KeyMaxGrantDuration: "30d"})), want: 24 * time.Hour, wantCalls: 1},
		{name: "below 15m keeps the cap", event: update(limitsMap(map[string]string{KeyMaxGrantDuration: "5m"})), want: 24 * time.Hour, wantCalls: 1},
		{name: "raised", event: update(limitsMap(map[string]string{KeyMaxGrantDuration: "48h"})), want: 48 * time.Hour, wantCalls: 2},
		{name: "key removed: the flag's", event: update(limitsMap(nil)), want: 720 * time.Hour, wantCalls: 3},
		{name: "set again", event: update(limitsMap(map[string]string{KeyMaxGrantDuration: "2h"})), want: 2 * time.Hour, wantCalls: 4},
		{name: "deleted (tombstone): the flag's", event: del(toolscache.DeletedFinalStateUnknown{Obj: limitsMap(nil)}), want: 720 * time.Hour, wantCalls: 5},
	}
	l := NewWatcher("ops", "limits", 720*time.Hour, nil, testLogger(t))
	if got := l.MaxGrantDuration(); got != 720*time.Hour {
		t.Fatalf("before any event: %s, want the flag's 720h", got)
	}
	calls := 0
	l.OnChange(func() { calls++ })
	h := l.Handler()
	for _, s := range steps {
		s.event(h)
		if got := l.MaxGrantDuration(); got != s.want || calls != s.wantCalls {
			t.Errorf("%s: cap %s after %d listener calls, want %s after %d", s.name, got, calls, s.want, s.wantCalls)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		raw     string
		want    time.Duration
		wantErr bool
	}{
		{raw: "720h", want: 720 * time.Hour},
		{raw: "15m", want: 15 * time.Minute},
		{raw: "1h30m", want: 90 * time.Minute},
		{raw: "14m59s", wantErr: true},
		{raw: "-1h", wantErr: true},
		{raw: "7d", wantErr: true},
		{raw: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.raw)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %s, %v; want %s, error %v", tt.raw, got, err, tt.want, tt.wantErr)
		}
	}
}

func testLogger(t *testing.T) logr.Logger { return testr.New(t) }
