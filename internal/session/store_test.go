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
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/supportaccess/support-access-operator/internal/identity"
	"github.com/supportaccess/support-access-operator/internal/keyring"
)

// sealedLease returns the Lease a login writes, sealed with ring, and its hash.
func sealedLease(t *testing.T, ring *keyring.Keyring, uid types.UID, now time.Time) (*coordinationv1.Lease, Hash) {
	t.Helper()
	_, h, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	issuedAt := now.Add(-time.Hour).Truncate(time.Second)
	acquired := now.Truncate(time.Microsecond)
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: LeaseName(h), UID: uid, Labels: Labels("g"),
			Annotations:     map[string]string{annotationIssuedAt: issuedAt.Format(time.RFC3339)},
			OwnerReferences: []metav1.OwnerReference{{Kind: "SupportAccessGrant", Name: "g", UID: "grant-uid"}}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(identity.Username("support-x@support.test")),
			AcquireTime: &metav1.MicroTime{Time: acquired}, RenewTime: &metav1.MicroTime{Time: acquired}},
	}
	l.Annotations[annotationSessionSeal] = sign(ring, sessionClaims("acme", l.Name, uid, "g", "grant-uid", "support-x@support.test", issuedAt, acquired, KindAPI))
	l.Annotations[annotationActivitySeal] = sign(ring, activityClaims("acme", l.Name, uid, acquired))
	return l, h
}

// Issue 12 item 11, and the review after it: a session is the Lease it came from. A watch that
// re-listed after the Lease was deleted and re-created under the same name (by a tenant, from a
// copy) delivers an update from one UID to the other, never the delete: the session still ends.
func TestSessionEndsWhenItsLeaseIsReplaced(t *testing.T) {
	key, _ := keyring.GenerateKey(1)
	ring, _ := keyring.New(key)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store := NewStore(nil, clocktesting.NewFakeClock(now), ring)
	h := store.EventHandler()

	lease, hash := sealedLease(t, ring, "lease-1", now)
	h.OnAdd(lease, true)
	if _, ok := store.Lookup(hash); !ok {
		t.Fatal("a sealed Lease is no session")
	}
	copied := lease.DeepCopy()
	copied.UID = "lease-2"
	h.OnUpdate(lease, copied)
	if _, ok := store.Lookup(hash); ok {
		t.Fatal("the session outlived its Lease: a copy re-created under its name kept it alive")
	}

	// A Lease of the same name in another namespace neither ends nor becomes the session.
	lease, hash = sealedLease(t, ring, "lease-3", now)
	h.OnAdd(lease, true)
	elsewhere := lease.DeepCopy()
	elsewhere.Namespace, elsewhere.UID = "other", "lease-4"
	h.OnAdd(elsewhere, false)
	h.OnDelete(elsewhere)
	if s, ok := store.Lookup(hash); !ok || s.Namespace != "acme" {
		t.Fatal("a same-named Lease in another namespace touched the session")
	}
}
