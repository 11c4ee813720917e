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
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// MaxClockSkew is how far the replicas' clocks may disagree (keep them in sync with NTP): activity
// or a login time further ahead of this replica's clock is not believed beyond it.
const MaxClockSkew = time.Minute

// Kind says where a session was made, and so where its token is accepted
// (docs/reference.md#browser-sessions).
type Kind uint8

const (
	// KindAPI is a session of POST /v1/login: a bearer token for kube-apiserver and the API.
	KindAPI Kind = iota
	// KindBrowser is a session of the login page, carried in a cookie: accepted by forward auth
	// only, never as an API credential, because the app behind the gateway sees the cookie.
	KindBrowser
)

// String returns the kind's metric and log name.
func (k Kind) String() string {
	if k == KindBrowser {
		return "browser"
	}
	return "api"
}

// Session is one login, as every replica sees it. Identity fields never change; activity is
// updated atomically on the token-check hot path.
type Session struct {
	Hash Hash
	// Namespace is the account; Grant the SupportAccessGrant logged in to; Email its login email.
	Namespace string
	Grant     string
	Email     string
	// CredentialsIssuedAt is the grant's status.issuedAt at login: fresh credentials (a replaced
	// Secret, a renewed expired grant) end every session opened with the old ones.
	CredentialsIssuedAt time.Time
	// CreatedAt is the login time, for the absolute session lifetime.
	CreatedAt time.Time
	// GrantUID is the UID of the grant at login: a grant deleted and recreated under the same name
	// does not inherit the old one's sessions.
	GrantUID types.UID
	// LeaseUID is the UID of the Lease, for deletes with a precondition.
	LeaseUID types.UID
	// Kind is API or browser; sealed, so a tenant cannot change it.
	Kind Kind

	// remoteActivity is the Lease's renewTime: activity any replica has flushed.
	remoteActivity atomic.Int64
	// localActivity is the latest use seen by this replica, in Unix nanoseconds.
	localActivity atomic.Int64
	// flushedActivity is the localActivity value last written to the Lease by this replica.
	flushedActivity atomic.Int64
	// lastFlush is when this replica last wrote the Lease (Unix nanoseconds), for debouncing.
	lastFlush atomic.Int64
}

// LastActivity returns the latest activity any replica has reported, or this one has seen.
func (s *Session) LastActivity() time.Time {
	return time.Unix(0, max(s.localActivity.Load(), s.remoteActivity.Load()))
}

// Touch records activity at now. It is lock-free: the hot path only does an atomic max.
func (s *Session) Touch(now time.Time) {
	n := now.UnixNano()
	for {
		cur := s.localActivity.Load()
		if n <= cur || s.localActivity.CompareAndSwap(cur, n) {
			return
		}
	}
}

// observeRemote records the activity stored in the Lease, seen at now. Only replicas write it
// (its seal says so), at their clock's now; a value ahead of this replica's clock by more than
// MaxClockSkew is a replica whose clock is off, and counts as activity at now + MaxClockSkew: skew
// never ends a session, and never extends one by more than the skew allowed (docs/security.md#clocks).
func (s *Session) observeRemote(t, now time.Time) {
	n := min(t.UnixNano(), now.Add(MaxClockSkew).UnixNano())
	for {
		cur := s.remoteActivity.Load()
		if n <= cur || s.remoteActivity.CompareAndSwap(cur, n) {
			return
		}
	}
}
