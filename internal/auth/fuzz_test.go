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

package auth

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/session"
	"github.com/supportaccess/support-access-operator/internal/throttle"
)

// offlineService is a Service with empty indexes and no API client: every decoder and refusal
// path runs, and nothing can reach a cluster.
func offlineService() *Service {
	clk := clocktesting.NewFakeClock(time.Now())
	key, _ := keyring.GenerateKey(1)
	ring, _ := keyring.New(key)
	limiter := func() Limiter {
		return throttle.New(throttle.Config{Window: time.Minute, MaxFailures: 1 << 15, MaxKeys: 1000, Clock: clk})
	}
	return &Service{
		sessions:  session.NewStore(nil, clk, ring),
		index:     &index{ring: ring},
		emails:    limiter(),
		addresses: limiter(),
		clock:     clk,
		metrics:   newAuthMetrics(),
		log:       logr.Discard(),
	}
}

// fuzzEndpoint checks that whatever body arrives, the answer is a deliberate 2xx or 4xx (a 5xx
// or panic would be a bug; on /tokenreview a 5xx would also make kube-apiserver retry).
func fuzzEndpoint(f *testing.F, path string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	h := offlineService().Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("status %d for body %q", rec.Code, body)
		}
		if path == "/tokenreview" && rec.Code == http.StatusOK && bytes.Contains(rec.Body.Bytes(), []byte(`"authenticated":true`)) {
			t.Fatalf("authenticated a fuzzed token: %q", body)
		}
	})
}

func FuzzLoginDecoder(f *testing.F) {
	fuzzEndpoint(f, "/v1/login",
		`{"email":"support-abc@support.test","password":"x"}`,
		`{"email":"","password":""}`,
		`{"email":"a","password":"b","extra":1}`,
		`{"email":"\u0000","password":"\ud800"}`,
		`[]`, `null`, `{`, ``, `{"email":1e999}`,
	)
}

func FuzzTokenReviewDecoder(f *testing.F) {
	fuzzEndpoint(f, "/tokenreview",
		`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","metadata":{"creationTimestamp":null},"spec":{"token":"sat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"status":{"user":{}}}`,
		`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"","audiences":["https://kubernetes.default.svc"]}}`,
		`{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview","spec":{"token":"x"}}`,
		`{"spec":{"token":{}}}`, `null`, `"str"`, `{`,
	)
}

// BenchmarkTokenReview measures the whole /tokenreview handler for a valid token: decode, check,
// encode. The token check itself must not allocate beyond the response.
func BenchmarkTokenReview(b *testing.B) {
	svc := offlineService()
	now := svc.clock.Now()
	key := credentials.HashPassword([]byte("password"))
	grantKey := types.NamespacedName{Namespace: "acme", Name: "g"}
	email, _ := credentials.LoginEmail(svc.index.ring, "uid-1", "support.test")
	token, sess, _ := session.NewSealed("acme", "g", "uid-1", email, now, now, session.KindAPI)
	svc.sessions.Put(sess)
	svc.index.passwords.Store(types.NamespacedName{Namespace: "acme", Name: "g-credentials"}, secretHash{owner: "uid-1", hash: key})
	grant := &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "g", UID: "uid-1"},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{AccessLevel: "Limited", Duration: &metav1.Duration{Duration: time.Hour}},
		Status: supportaccessv1alpha1.SupportAccessGrantStatus{
			Phase: "Active", LoginEmail: sess.Email, SecretName: "g-credentials",
			IssuedAt: &metav1.Time{Time: sess.CredentialsIssuedAt},
		},
	}
	grant.CreationTimestamp = metav1.Time{Time: now.Add(-time.Minute)}
	svc.index.grants.Store(grantKey, newGrantState(grant, svc.index.ring, 720*time.Hour))
	body := []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","metadata":{"creationTimestamp":null},"spec":{"token":"` + token + `"},"status":{"user":{}}}`)
	h := svc.Handler()
	b.Run("check", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, result := svc.check(token, session.KindAPI, now, true); result != resultValid {
				b.Fatal(result)
			}
		}
	})
	b.Run("handler", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/tokenreview", bytes.NewReader(body)))
			if !bytes.Contains(rec.Body.Bytes(), []byte(`"authenticated":true`)) {
				b.Fatal(rec.Body.String())
			}
		}
	})
}
