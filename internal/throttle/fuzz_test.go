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

package throttle

import (
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// fuzzKeys are the keys fuzz operations pick from: few enough that they repeat, and including
// the awkward ones (empty, case variants, the 64 KiB maximum).
var fuzzKeys = func() []string {
	keys := []string{
		"", "a", "A", "alice@example.com", "Alice@example.com", "alice@example.com ",
		"10.0.0.1", "2001:db8::1", "\x00", "ü@example.com", strings.Repeat("x", 64<<10),
	}
	for len(keys) < 32 {
		keys = append(keys, "user"+string(rune('a'+len(keys)))+"@example.com")
	}
	return keys
}()

// model is the obviously correct limiter: every failure since the last success, scanned in full.
type model struct {
	window   time.Duration
	max      int
	failures map[string][]time.Time
}

func (m *model) inWindow(key string, now time.Time) []time.Time {
	var live []time.Time
	for _, t := range m.failures[key] {
		if now.Sub(t) < m.window {
			live = append(live, t)
		}
	}
	m.failures[key] = live
	return live
}

func (m *model) allow(key string, now time.Time) (bool, time.Duration) {
	live := m.inWindow(key, now)
	if len(live) < m.max {
		return true, 0
	}
	// One more attempt is allowed once all but max-1 of the live failures have left.
	wait := live[len(live)-m.max].Add(m.window).Sub(now)
	secs := (wait + time.Second - 1) / time.Second
	return false, max(secs, 1) * time.Second
}

func (m *model) failure(key string, now time.Time) int {
	m.failures[key] = append(m.inWindow(key, now), now)
	return min(len(m.failures[key]), m.max)
}

// FuzzLimiter runs random operation sequences against two Limiters and the model. The roomy
// Limiter never needs to evict, so it must agree with the model exactly. The cramped one may
// forget keys, but forgetting can only under-count: whenever it blocks, the model must block
// with the same Retry-After. Neither may panic or exceed MaxKeys.
//
// Input: byte 0 picks MaxFailures (1-5), byte 1 MaxKeys of the cramped Limiter (1-8); then one
// byte per operation: the top 3 bits the operation, the low 5 bits a key or a clock step.
func FuzzLimiter(f *testing.F) {
	f.Add([]byte{2, 3, 0x40, 0x40, 0x40, 0x00, 0xc4, 0x00})
	f.Add([]byte{0, 0, 0x41, 0xc1, 0x42, 0x01, 0x02, 0xa1, 0x01})
	f.Fuzz(runOps)
}

// runOps is FuzzLimiter's body.
func runOps(t *testing.T, data []byte) {
	if len(data) < 2 {
		return
	}
	const window = 10 * time.Second
	maxFailures := int(data[0]%5) + 1
	clk := clocktesting.NewFakePassiveClock(t0)
	// With 32 keys and at least 32 keys per shard, the roomy Limiter never evicts.
	roomy := New(Config{Window: window, MaxFailures: maxFailures, MaxKeys: 32 * maxShards, Clock: clk})
	crampedKeys := int(data[1]%8) + 1
	cramped := New(Config{Window: window, MaxFailures: maxFailures, MaxKeys: crampedKeys, Clock: clk})
	ref := &model{window: window, max: maxFailures, failures: map[string][]time.Time{}}

	for i, b := range data[2:] {
		key, arg := fuzzKeys[b&31], int(b&31)
		now := clk.Now()
		switch b >> 5 {
		case 0, 1, 2: // Allow
			wantOK, wantRetry := ref.allow(key, now)
			if ok, retry := roomy.Allow(key); ok != wantOK || retry != wantRetry {
				t.Fatalf("op %d: roomy Allow(%.20q) = %v, %v; model %v, %v", i, key, ok, retry, wantOK, wantRetry)
			}
			if ok, retry := cramped.Allow(key); !ok && (wantOK || retry != wantRetry) {
				t.Fatalf("op %d: cramped Allow(%.20q) = %v, %v; model %v, %v", i, key, ok, retry, wantOK, wantRetry)
			}
		case 3, 4: // Failure
			want := ref.failure(key, now)
			if n := roomy.Failure(key); n != want {
				t.Fatalf("op %d: roomy Failure(%.20q) = %d; model %d", i, key, n, want)
			}
			if n := cramped.Failure(key); n < 1 || n > want {
				t.Fatalf("op %d: cramped Failure(%.20q) = %d; model %d", i, key, n, want)
			}
		case 5: // Success
			delete(ref.failures, key)
			roomy.Success(key)
			cramped.Success(key)
		case 6: // coarse clock step, up to about two windows
			clk.SetTime(now.Add(time.Duration(arg) * window / 16))
		case 7: // nanosecond clock step, to land on window edges
			clk.SetTime(now.Add(time.Duration(arg)))
		}
		if n := cramped.Len(); n > crampedKeys {
			t.Fatalf("op %d: cramped Len() = %d > MaxKeys %d", i, n, crampedKeys)
		}
	}
	checkInvariants(t, roomy)
	checkInvariants(t, cramped)
}
