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
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAllowFailure measures the login path with the real clock: the check every request
// makes, recording a failure, and a flood of new keys into a full table.
func BenchmarkAllowFailure(b *testing.B) {
	const maxKeys = 100_000
	newFull := func(b *testing.B) (*Limiter, []string) {
		l := New(Config{Window: 15 * time.Minute, MaxFailures: 10, MaxKeys: maxKeys})
		keys := make([]string, 2*maxKeys)
		for i := range keys {
			keys[i] = "user" + strconv.Itoa(i) + "@example.com"
		}
		for _, k := range keys[:maxKeys] {
			l.Failure(k)
		}
		return l, keys // b.Loop starts the timer after this setup
	}

	b.Run("Allow/existing", func(b *testing.B) {
		l, keys := newFull(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.Allow(keys[i%1024])
			i++
		}
	})
	b.Run("Allow/blocked", func(b *testing.B) {
		l, _ := newFull(b)
		for range 10 {
			l.Failure("victim@example.com")
		}
		b.ReportAllocs()
		for b.Loop() {
			if ok, _ := l.Allow("victim@example.com"); ok {
				b.Fatal("not blocked")
			}
		}
	})
	b.Run("Allow/unknown", func(b *testing.B) {
		l, keys := newFull(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.Allow(keys[maxKeys+i%1024])
			i++
		}
	})
	b.Run("Failure/existing", func(b *testing.B) {
		l, keys := newFull(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.Failure(keys[i%1024])
			i++
		}
	})
	b.Run("Failure/new-key-evicting", func(b *testing.B) {
		l, keys := newFull(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			// Start past the keys already in; by the time the index wraps, those are evicted.
			l.Failure(keys[(maxKeys+i)%len(keys)])
			i++
		}
	})
	b.Run("AllowFailure/parallel", func(b *testing.B) {
		l, keys := newFull(b)
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer() // RunParallel, unlike b.Loop, does not exclude the setup
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1)) * 7919
			for pb.Next() {
				k := keys[i%maxKeys]
				if ok, _ := l.Allow(k); ok {
					l.Failure(k)
				}
				i++
			}
		})
	})
}
