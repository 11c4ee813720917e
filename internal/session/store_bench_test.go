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

package session

import (
	"fmt"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// BenchmarkLookup measures what every token check does first: hash the token and find its session
// among 10,000, for a known token and an unknown one. Both must not allocate.
func BenchmarkLookup(b *testing.B) {
	now := time.Now()
	store := NewStore(nil, clocktesting.NewFakeClock(now), nil)
	var known string
	for i := range 10_000 {
		token, sess, err := NewSealed("acme", fmt.Sprintf("g-%d", i), "uid", "support-x@support.test", now, now, KindAPI)
		if err != nil {
			b.Fatal(err)
		}
		store.Put(sess)
		known = token
	}
	unknown, _, err := NewToken()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		token string
		found bool
	}{{"known", known, true}, {"unknown", unknown, false}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := store.Lookup(HashToken(bc.token)); ok != bc.found {
					b.Fatalf("found = %v, want %v", ok, bc.found)
				}
			}
		})
	}
}
