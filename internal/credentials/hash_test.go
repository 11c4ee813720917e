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

package credentials

import (
	"bytes"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestHidePassword(t *testing.T) {
	planted := HashPassword([]byte("attacker's choice"))
	tests := []struct {
		name     string
		data     map[string][]byte
		wantHash bool
		hashOf   string
	}{
		{name: "password replaced by its hash", data: map[string][]byte{"email": []byte("e"), "password": []byte("s3cret")}, wantHash: true, hashOf: "s3cret"},
		{name: "empty password leaves no hash", data: map[string][]byte{"password": {}}},
		{name: "no password", data: map[string][]byte{"email": []byte("e")}},
		{name: "a stale hash never wins over the password", data: map[string][]byte{"password": []byte("real"), PasswordHashKey: planted[:]}, wantHash: true, hashOf: "real"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &corev1.Secret{Data: tt.data}
			HidePassword(s)
			HidePassword(s) // idempotent: informers may transform an object twice
			if _, ok := s.Data["password"]; ok {
				t.Fatal("plaintext password still in the object")
			}
			h, ok := StoredPasswordHash(s)
			if ok != tt.wantHash {
				t.Fatalf("hash present = %v, want %v", ok, tt.wantHash)
			}
			if !tt.wantHash {
				return
			}
			if !h.Matches([]byte(tt.hashOf)) || h.Matches([]byte(tt.hashOf+"x")) || h.Matches(nil) {
				t.Fatal("stored hash does not match exactly the password")
			}
			if want := HashPassword([]byte(tt.hashOf)); !bytes.Equal(h[:], want[:]) {
				t.Fatal("unexpected digest")
			}
		})
	}
}

func BenchmarkPasswordCheck(b *testing.B) {
	password, _ := Password()
	h := HashPassword([]byte(password))
	candidate := []byte(password)
	b.ReportAllocs()
	for b.Loop() {
		if !h.Matches(candidate) {
			b.Fatal("mismatch")
		}
	}
}

func TestPasswordHashKeyCannotComeFromTheAPI(t *testing.T) {
	if errs := validation.IsConfigMapKey(PasswordHashKey); len(errs) == 0 {
		t.Fatalf("%q is a valid Secret key: a user could plant a hash under it", PasswordHashKey)
	}
}
