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

// Package throttle limits failed login attempts per key (an email, a client address) with an
// exact sliding window, in memory that stays bounded whatever keys an attacker sends.
//
// A Limiter remembers, for each key, the times of its most recent MaxFailures failures. A key is
// blocked while MaxFailures of them lie within the last Window; it may try again as soon as the
// oldest of them leaves the window, which is the Retry-After the Limiter reports. Keeping exactly
// MaxFailures timestamps is enough for an exact answer: only the newest MaxFailures failures can
// decide when the count drops below the limit.
//
// Keys come straight from request bodies, so memory is bounded and small whatever is sent:
//   - keys are stored as a 64-bit keyed hash (hash/maphash with a per-process random seed), so a
//     64 KiB email costs the same as a short one, and an attacker who cannot see the seed cannot
//     aim collisions at a victim. A collision can only merge two keys' failures, which
//     over-throttles and never under-throttles;
//   - at most MaxKeys keys are tracked, and Allow never adds one. A new key evicts the key
//     whose last failure is oldest. That order is also expiry order, so keys whose failures
//     have all aged out go first, and a live key is only evicted when all keys in its shard
//     are live;
//   - per-key state lives in flat, pointer-free slabs of fixed size per key, so the garbage
//     collector never scans it and the steady state allocates nothing. Memory reached at the
//     high-water mark is kept (Go maps do not shrink); the bound covers it.
//
// Keys are compared exactly: canonicalize emails (case, surrounding space) before calling, or
// every variant of an address gets its own budget.
//
// Keys are split over up to 64 shards by hash, each with its own mutex and its share of MaxKeys,
// so concurrent logins rarely contend. Expired keys are dropped lazily when touched and by Failure, which also
// retires up to two expired least-recently-failed keys per call; there is no background
// goroutine.
//
// Typical use in a login handler, with one Limiter for emails and another for client addresses
// (so a flood of bogus emails cannot evict the address counters):
//
//	if ok, wait := byEmail.Allow(email); !ok { /* 429, Retry-After: wait */ }
//	if ok, wait := byAddr.Allow(addr); !ok { /* 429, Retry-After: wait */ }
//	if !passwordOK {
//		byEmail.Failure(email)
//		byAddr.Failure(addr)
//		/* 401 */
//		return
//	}
//	byEmail.Success(email) // never for the address: one good login must not unblock a scanner
//
// Allow and Failure are separate calls, so requests for one key that pass Allow at the same
// moment are all tried: a key can get one extra guess per request it has in flight, and every
// such failure is recorded, so the block then lasts correspondingly longer.
package throttle

import (
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

const (
	// maxShards bounds the number of independently locked shards. 64 is plenty for the login
	// path's concurrency while keeping the per-shard share of MaxKeys large enough that uneven
	// hashing does not make shards evict long before the whole table is full.
	maxShards = 64

	// maxFailuresLimit is the largest Config.MaxFailures accepted. Ring positions are uint16,
	// and per-key memory grows with MaxFailures (8 bytes each), so a huge value is a mistake.
	maxFailuresLimit = 1<<16 - 1

	// pruneBudget is how many expired keys one Failure may retire from the least-recently-failed
	// end. More than one, so the table shrinks back after an attack even while new keys keep
	// arriving; small, so no single call pays for a large sweep.
	pruneBudget = 2

	// noSlot terminates the per-shard LRU and free lists.
	noSlot = -1
)

// Config configures a Limiter. Window, MaxFailures and MaxKeys must be positive.
type Config struct {
	// Window is the sliding window over which failures are counted, e.g. 15 minutes.
	Window time.Duration
	// MaxFailures is how many failures a key may have within Window; once it has that many,
	// Allow refuses it until the oldest of them is older than Window. At most 65535.
	MaxFailures int
	// MaxKeys is a hard bound on the number of tracked keys, and with it on memory: a full
	// Limiter holds about 8×MaxFailures + 65 bytes per key (145 bytes at MaxFailures=10: a
	// 24-byte slot, the 80-byte ring, and the index map's share).
	MaxKeys int
	// Clock is the time source; nil means the real clock. Only differences between readings
	// matter, so with the real clock wall-clock jumps do not affect the window.
	Clock clock.PassiveClock
}

// Limiter counts failures per key over a sliding window. It is safe for concurrent use.
// Create it with New; the zero value is not usable.
type Limiter struct {
	clock  clock.PassiveClock
	epoch  time.Time // times are stored as nanoseconds since epoch, which keeps them monotonic
	window int64     // nanoseconds
	max    int       // Config.MaxFailures
	seed   maphash.Seed
	mask   uint64 // len(shards)-1; len(shards) is a power of two
	shards []shard
}

// shard is one independently locked part of the table. Its keys live in slots; slot i's
// failure times are the ring times[i*max : (i+1)*max]. Slots are linked, most recently failed
// first, so the tail is both the eviction candidate and the first key to expire.
type shard struct {
	mu       sync.Mutex
	index    map[uint64]int32 // key hash -> slot
	slots    []slot
	times    []int64 // nanoseconds since Limiter.epoch
	capacity int     // this shard's share of MaxKeys
	head     int32   // most recently failed slot
	tail     int32   // least recently failed slot
	free     int32   // released slots, linked through slot.next

	// Keep neighbouring shards' mutexes off each other's cache lines.
	_ [64]byte
}

// slot is one tracked key. It holds no pointers so the slab is never scanned by the GC.
type slot struct {
	hash       uint64
	prev, next int32  // LRU links (next also links the free list)
	start      uint16 // ring position of the oldest failure
	n          uint16 // failures in the ring
}

// New returns a Limiter for cfg. It panics if cfg is invalid, as that is a programming error.
func New(cfg Config) *Limiter {
	return newLimiter(cfg, maxShards)
}

// newLimiter lets tests pick the shard count, e.g. one shard to observe eviction order.
func newLimiter(cfg Config, shards int) *Limiter {
	switch {
	case cfg.Window <= 0:
		panic(fmt.Sprintf("throttle: Window must be positive, got %v", cfg.Window))
	case cfg.MaxFailures < 1 || cfg.MaxFailures > maxFailuresLimit:
		panic(fmt.Sprintf("throttle: MaxFailures must be in [1, %d], got %d", maxFailuresLimit, cfg.MaxFailures))
	case cfg.MaxKeys < 1:
		panic(fmt.Sprintf("throttle: MaxKeys must be positive, got %d", cfg.MaxKeys))
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	// A power of two (for masking) and no more shards than keys, so every shard holds at least
	// one key and the shares add up to exactly MaxKeys.
	n := 1
	for n*2 <= shards && n*2 <= cfg.MaxKeys {
		n *= 2
	}
	l := &Limiter{
		clock:  clk,
		epoch:  clk.Now(),
		window: int64(cfg.Window),
		max:    cfg.MaxFailures,
		// MakeSeed is random per process (from the runtime's cryptographically seeded
		// generator), which is what makes targeted collisions impractical.
		seed:   maphash.MakeSeed(),
		mask:   uint64(n - 1),
		shards: make([]shard, n),
	}
	for i := range l.shards {
		s := &l.shards[i]
		s.index = make(map[uint64]int32)
		s.capacity = cfg.MaxKeys / n
		if i < cfg.MaxKeys%n {
			s.capacity++
		}
		s.head, s.tail, s.free = noSlot, noSlot, noSlot
	}
	return l
}

// Allow reports whether another attempt for key may proceed now. When it may not, retryAfter is
// how long until the oldest counted failure leaves the window and one more attempt is allowed,
// rounded up to whole seconds (at least one) for a Retry-After header. Allow never starts
// tracking a key, so probing unknown keys costs no memory.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	s, h := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	i, found := s.index[h]
	if !found {
		return true, 0
	}
	now := l.now()
	sl := &s.slots[i]
	ring := s.ring(i, l.max)
	l.expire(sl, ring, now)
	if sl.n == 0 {
		s.release(i) // everything aged out: forget the key now rather than at eviction
		return true, 0
	}
	if int(sl.n) < l.max {
		return true, 0
	}
	return false, roundUpSeconds(time.Duration(ring[sl.start] + l.window - now))
}

// Failure records a failed attempt for key and returns the number of failures now within the
// window. The count saturates at MaxFailures, the most the Limiter needs to remember.
func (l *Limiter) Failure(key string) int {
	s, h := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	// Read the clock under the lock so times within a shard never go backwards: rings and the
	// LRU list then stay in time order.
	now := l.now()
	i, found := s.index[h]
	if found {
		s.moveToFront(i)
	} else {
		i = s.insert(h, now, l)
	}
	sl := &s.slots[i]
	ring := s.ring(i, l.max)
	l.expire(sl, ring, now)
	if int(sl.n) < l.max {
		ring[(int(sl.start)+int(sl.n))%l.max] = now
		sl.n++
	} else {
		// Full ring: the oldest failure can no longer affect when the key is unblocked.
		ring[sl.start] = now
		sl.start = uint16((int(sl.start) + 1) % l.max)
	}
	n := int(sl.n)
	// i is now the head with a fresh failure, so this never retires it.
	s.pruneExpired(now, l, pruneBudget)
	return n
}

// Success forgets key, e.g. an email after a successful login. Do not call it for client
// addresses: one valid login must not clear the record of a host that is guessing.
func (l *Limiter) Success(key string) {
	s, h := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, found := s.index[h]; found {
		s.release(i)
	}
}

// Len returns the number of tracked keys, including keys whose failures have aged out but have
// not been dropped yet. It never exceeds MaxKeys.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.index)
		s.mu.Unlock()
	}
	return n
}

func (l *Limiter) shard(key string) (*shard, uint64) {
	h := maphash.String(l.seed, key)
	// The shard takes the low bits; the map re-hashes the full value with its own seed, so keys
	// sharing low bits do not crowd its buckets.
	return &l.shards[h&l.mask], h
}

func (l *Limiter) now() int64 {
	// Sub uses the monotonic readings of the real clock, so stored times are immune to
	// wall-clock steps.
	return int64(l.clock.Now().Sub(l.epoch))
}

// expire drops failures that have left the window: a failure at t counts while now-t < window.
func (l *Limiter) expire(sl *slot, ring []int64, now int64) {
	for sl.n > 0 && now-ring[sl.start] >= l.window {
		sl.start = uint16((int(sl.start) + 1) % l.max)
		sl.n--
	}
}

// roundUpSeconds turns a positive wait into a Retry-After value: whole seconds, never zero, so a
// client honouring it does not come back before the block has lifted.
func roundUpSeconds(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1) / time.Second * time.Second
}

func (s *shard) ring(i int32, per int) []int64 {
	base := int(i) * per
	return s.times[base : base+per : base+per]
}

// insert starts tracking hash h and returns its slot, linked at the head with an empty ring.
// It makes room first: expired keys go before live ones, then the least recently failed.
func (s *shard) insert(h uint64, now int64, l *Limiter) int32 {
	s.pruneExpired(now, l, pruneBudget)
	if s.free == noSlot && len(s.slots) == s.capacity {
		s.release(s.tail)
	}
	var i int32
	if s.free != noSlot {
		i = s.free
		s.free = s.slots[i].next
	} else {
		i = s.grow(l.max)
	}
	s.slots[i] = slot{hash: h, prev: noSlot, next: s.head}
	if s.head != noSlot {
		s.slots[s.head].prev = i
	}
	s.head = i
	if s.tail == noSlot {
		s.tail = i
	}
	s.index[h] = i
	return i
}

// grow adds one slot to the slab, doubling the backing arrays when needed but never beyond the
// shard's capacity, so a full shard holds no spare memory.
func (s *shard) grow(per int) int32 {
	n := len(s.slots)
	if n == cap(s.slots) {
		c := min(max(2*n, 8), s.capacity)
		slots := make([]slot, n, c)
		copy(slots, s.slots)
		times := make([]int64, n*per, c*per)
		copy(times, s.times)
		s.slots, s.times = slots, times
	}
	s.slots = s.slots[:n+1]
	s.times = s.times[:(n+1)*per]
	return int32(n)
}

// pruneExpired releases up to budget keys from the tail whose newest failure has left the
// window. The list is in last-failure order, so it can stop at the first live key.
func (s *shard) pruneExpired(now int64, l *Limiter, budget int) {
	for ; budget > 0 && s.tail != noSlot; budget-- {
		sl := &s.slots[s.tail]
		if sl.n > 0 {
			newest := s.ring(s.tail, l.max)[(int(sl.start)+int(sl.n)-1)%l.max]
			if now-newest < l.window {
				return
			}
		}
		s.release(s.tail)
	}
}

// release forgets slot i and puts it on the free list.
func (s *shard) release(i int32) {
	sl := &s.slots[i]
	delete(s.index, sl.hash)
	s.unlink(i)
	*sl = slot{prev: noSlot, next: s.free}
	s.free = i
}

func (s *shard) moveToFront(i int32) {
	if s.head == i {
		return
	}
	s.unlink(i)
	sl := &s.slots[i]
	sl.prev, sl.next = noSlot, s.head
	s.slots[s.head].prev = i // not noSlot: i was not the head, so another slot is
	s.head = i
}

func (s *shard) unlink(i int32) {
	sl := &s.slots[i]
	if sl.prev != noSlot {
		s.slots[sl.prev].next = sl.next
	} else {
		s.head = sl.next
	}
	if sl.next != noSlot {
		s.slots[sl.next].prev = sl.prev
	} else {
		s.tail = sl.prev
	}
}
