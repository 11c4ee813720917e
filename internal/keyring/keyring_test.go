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

package keyring

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func TestParse(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, KeySize)
	tests := []struct {
		name    string
		data    map[string][]byte
		wantIDs []int
		wantErr bool
	}{
		{name: "one key", data: map[string][]byte{"key-1": secret}, wantIDs: []int{1}},
		{name: "several, other entries ignored", data: map[string][]byte{"key-2": secret, "key-10": secret, "README": []byte("x")}, wantIDs: []int{2, 10}},
		{name: "no key", data: map[string][]byte{"README": []byte("x")}, wantErr: true},
		{name: "short key", data: map[string][]byte{"key-1": secret[:16]}, wantErr: true},
		{name: "ID zero", data: map[string][]byte{"key-0": secret}, wantErr: true},
		{name: "ID too large", data: map[string][]byte{"key-1024": secret}, wantErr: true},
		{name: "ID not canonical", data: map[string][]byte{"key-01": secret}, wantErr: true},
		{name: "ID not a number", data: map[string][]byte{"key-x": secret}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := Parse(tt.data)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse error = %v, want error %v", err, tt.wantErr)
			}
			var ids []int
			for _, k := range keys {
				ids = append(ids, k.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Fatalf("key IDs %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

// A key added for rotation verifies at once on every replica but signs only after Promotion, so
// nothing signed with it reaches a replica that does not know it yet.
func TestPromotion(t *testing.T) {
	k1, _ := GenerateKey(1)
	k2, _ := GenerateKey(2)
	k3, _ := GenerateKey(3)
	ring, err := New(k1)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("claims")
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		name        string
		keys        []Key
		at          time.Duration
		wantSigning int
		wantIDs     []int
	}{
		{"key 2 added: verifies, key 1 still signs", []Key{k1, k2}, 0, 1, []int{2, 1}},
		{"just before the promotion", []Key{k1, k2}, Promotion - time.Second, 1, []int{2, 1}},
		{"promoted", []Key{k1, k2}, Promotion, 2, []int{2, 1}},
		{"key 3 added: key 2 signs", []Key{k1, k2, k3}, Promotion + time.Second, 2, []int{3, 2, 1}},
		{"key 1 removed, key 3 promoted", []Key{k2, k3}, 2*Promotion + time.Second, 3, []int{3, 2}},
	}
	for _, st := range steps {
		if err := ring.Update(st.keys, start.Add(st.at)); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := ring.SigningKeyID(); got != st.wantSigning {
			t.Errorf("%s: signing key %d, want %d", st.name, got, st.wantSigning)
		}
		if got := ring.KeyIDs(); !slices.Equal(got, st.wantIDs) {
			t.Errorf("%s: key IDs %v, want %v", st.name, got, st.wantIDs)
		}
		id, sum := ring.Sign(PurposeSession, msg)
		if !ring.Verify(id, PurposeSession, msg, sum) || ring.Verify(id, PurposeLoginEmail, msg, sum) || ring.Verify(id, PurposeSession, msg, sum[:16]) {
			t.Errorf("%s: a MAC verifies only whole, for its purpose", st.name)
		}
	}
	if err := ring.Update(nil, start); err == nil || ring.SigningKeyID() != 3 {
		t.Fatal("an empty key set replaced the keys in force")
	}
	replaced, _ := GenerateKey(3)
	if err := ring.Update([]Key{k2, replaced}, start.Add(3*Promotion)); err == nil {
		t.Fatal("new bytes under a known key ID were taken: every MAC of key 3 would break")
	}
	if id, sum := ring.Sign(PurposeSession, msg); id != 3 || !ring.Verify(3, PurposeSession, msg, sum) {
		t.Fatal("a refused update changed the keys in force")
	}
}

func TestLoadOrCreateAndRefresh(t *testing.T) {
	ctx := context.Background()
	key := types.NamespacedName{Namespace: "support-access-system", Name: DefaultSecretName}
	c := fake.NewClientBuilder().Build()

	first, err := LoadOrCreate(ctx, c, key)
	if err != nil {
		t.Fatal(err)
	}
	stored := &corev1.Secret{}
	if err := c.Get(ctx, key, stored); err != nil {
		t.Fatalf("keyring Secret not created: %v", err)
	}
	if stored.Type != SecretType || len(stored.Data["key-1"]) != KeySize {
		t.Fatalf("keyring Secret of type %q with data keys %d: want %q holding key-1", stored.Type, len(stored.Data), SecretType)
	}
	// A second replica reads the same keys: a MAC of one verifies on the other.
	second, err := LoadOrCreate(ctx, c, key)
	if err != nil {
		t.Fatal(err)
	}
	id, sum := first.Sign(PurposeLoginEmail, []byte("m"))
	if !second.Verify(id, PurposeLoginEmail, []byte("m"), sum) {
		t.Fatal("two replicas loaded different keys")
	}

	// Deleted by hand: the refresher puts the keys back rather than let a restart mint new ones.
	if err := c.Delete(ctx, stored); err != nil {
		t.Fatal(err)
	}
	r := &Refresher{Client: c, Key: key, Ring: first, Clock: clocktesting.NewFakeClock(time.Now()), Log: logr.Discard()}
	r.refresh(ctx)
	restored := &corev1.Secret{}
	if err := c.Get(ctx, key, restored); err != nil {
		t.Fatalf("keyring Secret not recreated: %v", err)
	}
	if !bytes.Equal(restored.Data["key-1"], stored.Data["key-1"]) {
		t.Fatal("recreated with other keys")
	}

	// A Secret of another type at that name is refused, not overwritten.
	other := types.NamespacedName{Namespace: "support-access-system", Name: "taken"}
	if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: other.Namespace, Name: other.Name},
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"key-1": bytes.Repeat([]byte{1}, KeySize)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(ctx, c, other); err == nil {
		t.Fatal("an Opaque Secret was taken for the keyring")
	}
}
