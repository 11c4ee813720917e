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
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// step is one action in a scenario, checked against what the Limiter reports.
type step struct {
	wait    time.Duration // advance the clock first
	op      string        // "allow", "fail", "success" or "len"
	key     string
	ok      bool          // allow: want ok
	retry   time.Duration // allow: want retryAfter
	n       int           // fail: want count; len: want Len()
	comment string
}

func allow(key string) step { return step{op: "allow", key: key, ok: true} }
func blocked(key string, retry time.Duration) step {
	return step{op: "allow", key: key, retry: retry}
}
func fail(key string, n int) step { return step{op: "fail", key: key, n: n} }
func success(key string) step     { return step{op: "success", key: key} }
func length(n int) step           { return step{op: "len", n: n} }
func after(d time.Duration, s step) step {
	s.wait = d
	return s
}

func runSteps(t *testing.T, l *Limiter, clk *clocktesting.FakePassiveClock, steps []step) {
	t.Helper()
	for i, s := range steps {
		clk.SetTime(clk.Now().Add(s.wait))
		at := clk.Now().Sub(t0)
		switch s.op {
		case "allow":
			ok, retry := l.Allow(s.key)
			if ok != s.ok || retry != s.retry {
				t.Fatalf("step %d at +%v: Allow(%q) = %v, %v; want %v, %v", i, at, s.key, ok, retry, s.ok, s.retry)
			}
		case "fail":
			if n := l.Failure(s.key); n != s.n {
				t.Fatalf("step %d at +%v: Failure(%q) = %d; want %d", i, at, s.key, n, s.n)
			}
		case "success":
			l.Success(s.key)
		case "len":
			if n := l.Len(); n != s.n {
				t.Fatalf("step %d at +%v: Len() = %d; want %d", i, at, n, s.n)
			}
		default:
			t.Fatalf("step %d: unknown op %q", i, s.op)
		}
		checkInvariants(t, l)
	}
}

func TestLimiter(t *testing.T) {
	const window = 15 * time.Minute
	long := strings.Repeat("x", 64<<10) // the largest email the HTTP layer lets through
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name:  "unknown key is allowed and not tracked",
			steps: []step{allow("a"), length(0)},
		},
		{
			name: "blocks at MaxFailures",
			steps: []step{
				fail("a", 1), allow("a"),
				fail("a", 2), allow("a"),
				fail("a", 3), blocked("a", window),
				length(1),
			},
		},
		{
			name: "retryAfter is when the oldest counted failure leaves the window",
			steps: []step{
				fail("a", 1),
				after(time.Minute, fail("a", 2)),
				after(time.Minute, fail("a", 3)),
				blocked("a", window-2*time.Minute),
				after(window-2*time.Minute-time.Nanosecond, blocked("a", time.Second)),
				after(time.Nanosecond, allow("a")),
				// The failures at +1m and +2m still count, so one more blocks again until +16m.
				fail("a", 3),
				blocked("a", time.Minute),
			},
		},
		{
			name: "retryAfter rounds up to whole seconds",
			steps: []step{
				fail("a", 1), fail("a", 2), fail("a", 3),
				after(500*time.Millisecond, blocked("a", window)),
				after(window-time.Second-500*time.Millisecond, blocked("a", time.Second)),
				after(999*time.Millisecond, blocked("a", time.Second)),
				after(time.Millisecond, allow("a")),
			},
		},
		{
			name: "failures age out and the key is forgotten",
			steps: []step{
				fail("a", 1), fail("a", 2), fail("a", 3),
				after(window, allow("a")),
				length(0),
				fail("a", 1),
			},
		},
		{
			name: "window slides one failure at a time",
			steps: []step{
				fail("a", 1),
				after(5*time.Minute, fail("a", 2)),
				after(5*time.Minute, fail("a", 3)),
				blocked("a", 5*time.Minute),
				// +15m: the failure at 0 has left, the ones at +5m and +10m remain.
				after(5*time.Minute, allow("a")),
				fail("a", 3),
				blocked("a", 5*time.Minute),
				// +25m: only the failure at +15m is left.
				after(10*time.Minute, fail("a", 2)),
			},
		},
		{
			name: "failures past the limit extend the block",
			steps: []step{
				fail("a", 1),
				after(time.Minute, fail("a", 2)),
				after(time.Minute, fail("a", 3)),
				// Requests that raced through Allow still get recorded.
				after(time.Minute, fail("a", 3)),
				after(time.Minute, fail("a", 3)),
				// Now at +4m with failures at +2m, +3m, +4m in the ring.
				blocked("a", window-2*time.Minute),
			},
		},
		{
			name: "success resets the key",
			steps: []step{
				fail("a", 1), fail("a", 2), fail("a", 3),
				blocked("a", window),
				success("a"),
				allow("a"), length(0),
				fail("a", 1),
				success("never-seen"),
				length(1),
			},
		},
		{
			name: "keys are independent",
			steps: []step{
				fail("a", 1), fail("a", 2), fail("a", 3),
				blocked("a", window),
				allow("b"),
				fail("b", 1),
				success("b"),
				blocked("a", window),
				allow("A"), // case folding is the caller's business
				length(1),
			},
		},
		{
			name: "empty and 64 KiB keys",
			steps: []step{
				fail("", 1), fail("", 2), fail("", 3),
				blocked("", window),
				fail(long, 1), fail(long, 2), fail(long, 3),
				blocked(long, window),
				allow(long[1:]),
				length(2),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktesting.NewFakePassiveClock(t0)
			l := New(Config{Window: window, MaxFailures: 3, MaxKeys: 100, Clock: clk})
			runSteps(t, l, clk, tt.steps)
		})
	}
}

func TestMaxFailuresOne(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	l := New(Config{Window: 10 * time.Second, MaxFailures: 1, MaxKeys: 1, Clock: clk})
	runSteps(t, l, clk, []step{
		allow("a"),
		fail("a", 1),
		blocked("a", 10*time.Second),
		after(4*time.Second, fail("a", 1)),
		blocked("a", 10*time.Second),
		// One key fits: b evicts the live a.
		fail("b", 1),
		allow("a"),
		length(1),
	})
}

// TestEviction uses a single shard so the eviction order is observable.
func TestEviction(t *testing.T) {
	const window = time.Minute
	tests := []struct {
		name    string
		steps   []step
		tracked []string
		gone    []string
	}{
		{
			name: "full table evicts the least recently failed key",
			steps: []step{
				fail("a", 1), fail("b", 1), fail("c", 1),
				after(time.Second, fail("a", 2)),
				fail("d", 1),
				length(3),
			},
			tracked: []string{"a", "c", "d"},
			gone:    []string{"b"},
		},
		{
			name: "Allow does not refresh a key",
			steps: []step{
				fail("a", 1), fail("b", 1), fail("c", 1),
				allow("a"),
				fail("d", 1),
			},
			tracked: []string{"b", "c", "d"},
			gone:    []string{"a"},
		},
		{
			name: "expired keys are retired before live ones",
			steps: []step{
				fail("a", 1), fail("b", 1),
				after(30*time.Second, fail("c", 1)),
				after(30*time.Second, fail("d", 1)), // a and b expired, c is live
				length(2),
			},
			tracked: []string{"c", "d"},
			gone:    []string{"a", "b"},
		},
		{
			name: "failures retire expired keys even when not full",
			steps: []step{
				fail("a", 1),
				after(window, fail("b", 1)),
				length(1),
			},
			tracked: []string{"b"},
			gone:    []string{"a"},
		},
		{
			name: "released slots are reused",
			steps: []step{
				fail("a", 1), fail("b", 1), fail("c", 1),
				success("b"),
				fail("d", 1),
				fail("a", 2),
				length(3),
			},
			tracked: []string{"a", "c", "d"},
			gone:    []string{"b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktesting.NewFakePassiveClock(t0)
			l := newLimiter(Config{Window: window, MaxFailures: 3, MaxKeys: 3, Clock: clk}, 1)
			runSteps(t, l, clk, tt.steps)
			for _, k := range tt.tracked {
				if !tracked(l, k) {
					t.Errorf("%q is not tracked", k)
				}
			}
			for _, k := range tt.gone {
				if tracked(l, k) {
					t.Errorf("%q is still tracked", k)
				}
			}
		})
	}
}

func TestShardsShareMaxKeys(t *testing.T) {
	for _, maxKeys := range []int{1, 2, 3, 63, 64, 65, 100, 10_000, 100_001} {
		l := New(Config{Window: time.Minute, MaxFailures: 1, MaxKeys: maxKeys})
		total := 0
		for i := range l.shards {
			if l.shards[i].capacity < 1 {
				t.Errorf("MaxKeys=%d: shard %d has capacity %d", maxKeys, i, l.shards[i].capacity)
			}
			total += l.shards[i].capacity
		}
		if total != maxKeys || len(l.shards) > maxShards {
			t.Errorf("MaxKeys=%d: %d shards with total capacity %d", maxKeys, len(l.shards), total)
		}
		for i := range 2*maxKeys + maxShards {
			l.Failure(strconv.Itoa(i))
		}
		if n := l.Len(); n > maxKeys {
			t.Errorf("MaxKeys=%d: Len() = %d", maxKeys, n)
		}
	}
}

func TestRoundUpSeconds(t *testing.T) {
	for _, tt := range []struct{ in, want time.Duration }{
		{time.Nanosecond, time.Second},
		{999 * time.Millisecond, time.Second},
		{time.Second, time.Second},
		{time.Second + time.Nanosecond, 2 * time.Second},
		{90*time.Second - time.Millisecond, 90 * time.Second},
		{15 * time.Minute, 15 * time.Minute},
	} {
		if got := roundUpSeconds(tt.in); got != tt.want {
			t.Errorf("roundUpSeconds(%v) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	valid := Config{Window: time.Minute, MaxFailures: 1, MaxKeys: 1}
	for _, tt := range []struct {
		name string
		edit func(*Config)
	}{
		{"zero window", func(c *Config) { c.Window = 0 }},
		{"negative window", func(c *Config) { c.Window = -time.Second }},
		{"zero MaxFailures", func(c *Config) { c.MaxFailures = 0 }},
		{"MaxFailures too large", func(c *Config) { c.MaxFailures = maxFailuresLimit + 1 }},
		{"zero MaxKeys", func(c *Config) { c.MaxKeys = 0 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", cfg)
				}
			}()
			New(cfg)
		})
	}
	New(valid) // and the real clock default works
}

// TestMemoryBounded feeds 100,000 distinct keys into a 10,000-key Limiter, then churns through
// a million more: Len stays at the bound and the heap does not keep growing.
func TestMemoryBounded(t *testing.T) {
	const (
		maxKeys  = 10_000
		maxBytes = 4 << 20
	)
	clk := clocktesting.NewFakePassiveClock(t0)
	before := heapAlloc()
	l := New(Config{Window: 15 * time.Minute, MaxFailures: 10, MaxKeys: maxKeys, Clock: clk})
	feed := func(from, to int) {
		for i := from; i < to; i++ {
			l.Failure("bogus-" + strconv.Itoa(i) + "@example.com")
			if i%10_000 == 0 {
				if n := l.Len(); n > maxKeys {
					t.Fatalf("after %d keys Len() = %d > %d", i+1, n, maxKeys)
				}
			}
		}
	}
	feed(0, 100_000)
	if n := l.Len(); n != maxKeys {
		t.Fatalf("Len() = %d; want %d", n, maxKeys)
	}
	grown := heapAlloc() - before
	t.Logf("100,000 keys into MaxKeys=%d, MaxFailures=10: heap +%d bytes, %d bytes/key", maxKeys, grown, grown/maxKeys)
	if grown > maxBytes {
		t.Errorf("heap grew by %d bytes; want at most %d", grown, maxBytes)
	}

	churn := 1_000_000
	if testing.Short() {
		churn = 200_000
	}
	feed(100_000, 100_000+churn)
	churned := heapAlloc() - before
	t.Logf("after %d more keys: heap +%d bytes", churn, churned)
	if churned > maxBytes || churned > grown+grown/4 {
		t.Errorf("heap grew from %d to %d bytes under churn", grown, churned)
	}
	if n := l.Len(); n > maxKeys {
		t.Errorf("Len() = %d > %d", n, maxKeys)
	}
	runtime.KeepAlive(l)
}

// TestFloodLeavesValidUsersAlone is the login-flood scenario: 100,000 distinct bogus emails and 10,000
// wrong passwords for one account. The attacker is throttled, memory stays bounded, and a user
// who has not failed is unaffected.
func TestFloodLeavesValidUsersAlone(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(t0)
	before := heapAlloc()
	cfg := Config{Window: 15 * time.Minute, MaxFailures: 10, MaxKeys: 100_000, Clock: clk}
	byEmail, byAddr := New(cfg), New(cfg)

	// attempt is the login handler's use of the limiters; it reports whether it was throttled.
	attempt := func(email, addr string, passwordOK bool) bool {
		if ok, wait := byEmail.Allow(email); !ok {
			if wait < time.Second {
				t.Fatalf("Retry-After %v for %q", wait, email)
			}
			return true
		}
		if ok, wait := byAddr.Allow(addr); !ok {
			if wait < time.Second {
				t.Fatalf("Retry-After %v for %q", wait, addr)
			}
			return true
		}
		if !passwordOK {
			byEmail.Failure(email)
			byAddr.Failure(addr)
			return false
		}
		byEmail.Success(email)
		return false
	}

	throttled := 0
	for i := range 100_000 {
		// A botnet: each bogus email from its own address, so the address limiter cannot help.
		if attempt("bogus-"+strconv.Itoa(i)+"@example.com", "10.0."+strconv.Itoa(i/256%256)+"."+strconv.Itoa(i%256), false) {
			throttled++
		}
		clk.SetTime(clk.Now().Add(time.Millisecond))
	}
	for range 10_000 {
		if attempt("victim@example.com", "203.0.113.7", false) {
			throttled++
		}
	}
	if want := 10_000 - cfg.MaxFailures; throttled < want {
		t.Errorf("%d attempts throttled; want at least %d", throttled, want)
	}
	if attempt("alice@example.com", "198.51.100.1", true) {
		t.Errorf("valid user throttled")
	}
	if n := byEmail.Len(); n > cfg.MaxKeys {
		t.Errorf("byEmail.Len() = %d > %d", n, cfg.MaxKeys)
	}
	grown := heapAlloc() - before
	keys := byEmail.Len() + byAddr.Len()
	t.Logf("%d keys over two limiters (MaxFailures=10): heap +%d bytes, %d bytes/key", keys, grown, grown/int64(keys))
	const maxBytes = 32 << 20
	if grown > maxBytes {
		t.Errorf("heap grew by %d bytes; want at most %d", grown, maxBytes)
	}
	runtime.KeepAlive(byEmail)
	runtime.KeepAlive(byAddr)
}

func TestConcurrentUse(t *testing.T) {
	const (
		goroutines = 64
		ops        = 2000
		maxKeys    = 500
		maxFails   = 5
	)
	clk := clocktesting.NewFakePassiveClock(t0)
	l := New(Config{Window: time.Minute, MaxFailures: maxFails, MaxKeys: maxKeys, Clock: clk})
	keys := make([]string, 4*maxKeys) // more keys than fit, so eviction runs concurrently too
	for i := range keys {
		keys[i] = "user" + strconv.Itoa(i)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			l.Failure("hot") // every goroutine fails the same key once
			for i := range ops {
				key := keys[(g*7919+i*31)%len(keys)]
				switch i % 8 {
				case 0, 1, 2:
					if ok, retry := l.Allow(key); !ok && (retry < time.Second || retry > time.Minute) {
						t.Errorf("Allow(%q) retryAfter %v", key, retry)
					}
				case 7:
					l.Success(key)
				default:
					if n := l.Failure(key); n < 1 || n > maxFails {
						t.Errorf("Failure(%q) = %d", key, n)
					}
				}
				if g == 0 && i%50 == 0 {
					clk.SetTime(clk.Now().Add(time.Second))
				}
				if i%500 == 0 {
					if n := l.Len(); n > maxKeys {
						t.Errorf("Len() = %d > %d", n, maxKeys)
					}
				}
			}
		})
	}
	wg.Wait()
	checkInvariants(t, l)
	if n := l.Len(); n > maxKeys {
		t.Errorf("Len() = %d > %d", n, maxKeys)
	}

	// With the clock frozen, concurrent failures on one key saturate at MaxFailures and block it.
	l = New(Config{Window: time.Minute, MaxFailures: maxFails, MaxKeys: maxKeys, Clock: clk})
	for range goroutines {
		wg.Go(func() {
			for range 10 {
				l.Failure("victim")
				l.Allow("bystander")
			}
		})
	}
	wg.Wait()
	if ok, retry := l.Allow("victim"); ok || retry != time.Minute {
		t.Errorf("Allow(victim) = %v, %v; want false, 1m", ok, retry)
	}
	if ok, _ := l.Allow("bystander"); !ok {
		t.Errorf("Allow(bystander) = false")
	}
	if n := l.Len(); n != 1 {
		t.Errorf("Len() = %d; want 1", n)
	}
}

func TestNoAllocationsOnExistingKey(t *testing.T) {
	l := New(Config{Window: time.Hour, MaxFailures: 10, MaxKeys: 1000})
	l.Failure("alice@example.com")
	if n := testing.AllocsPerRun(1000, func() { l.Allow("alice@example.com") }); n != 0 {
		t.Errorf("Allow allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(1000, func() { l.Failure("alice@example.com") }); n != 0 {
		t.Errorf("Failure allocates %v times per call", n)
	}
}

// tracked reports whether key has a slot.
func tracked(l *Limiter, key string) bool {
	s, h := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.index[h]
	return ok
}

// checkInvariants walks every shard: the LRU list, the free list and the index agree, rings
// are within bounds, and the shard holds no more than its share of MaxKeys.
func checkInvariants(t testing.TB, l *Limiter) {
	t.Helper()
	for si := range l.shards {
		s := &l.shards[si]
		s.mu.Lock()
		if len(s.slots) > s.capacity || cap(s.slots) > s.capacity || len(s.times) != len(s.slots)*l.max {
			t.Fatalf("shard %d: %d slots (cap %d), %d times, capacity %d", si, len(s.slots), cap(s.slots), len(s.times), s.capacity)
		}
		seen := make(map[int32]bool)
		prev := int32(noSlot)
		newest := int64(-1 << 63)
		for i := s.head; i != noSlot; i = s.slots[i].next {
			sl := s.slots[i]
			if seen[i] || sl.prev != prev {
				t.Fatalf("shard %d: LRU list broken at slot %d", si, i)
			}
			seen[i] = true
			if j, ok := s.index[sl.hash]; !ok || j != i {
				t.Fatalf("shard %d: slot %d not indexed", si, i)
			}
			if int(sl.n) > l.max || int(sl.start) >= l.max {
				t.Fatalf("shard %d: slot %d ring start %d n %d", si, i, sl.start, sl.n)
			}
			if sl.n > 0 {
				last := s.ring(i, l.max)[(int(sl.start)+int(sl.n)-1)%l.max]
				if prev != noSlot && last > newest {
					t.Fatalf("shard %d: LRU list out of order at slot %d", si, i)
				}
				newest = last
			}
			prev = i
		}
		if prev != s.tail || len(seen) != len(s.index) {
			t.Fatalf("shard %d: tail %d (want %d), %d listed, %d indexed", si, s.tail, prev, len(seen), len(s.index))
		}
		for i := s.free; i != noSlot; i = s.slots[i].next {
			if seen[i] {
				t.Fatalf("shard %d: slot %d both free and in use", si, i)
			}
			seen[i] = true
		}
		if len(seen) != len(s.slots) {
			t.Fatalf("shard %d: %d of %d slots accounted for", si, len(seen), len(s.slots))
		}
		s.mu.Unlock()
	}
}

// heapAlloc returns the live heap after a full collection.
func heapAlloc() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
