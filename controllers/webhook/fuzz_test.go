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

package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

// The fuzz targets feed the validators arbitrary specs (JSON, as kube-apiserver would send them
// decoded) and check the properties the product depends on, whatever the input: no panic, errors
// only as field errors on the fields the webhook owns, a no-op update and a revocation never
// refused, defaulting idempotent. Their seeds run with every `go test`; `go test -fuzz` explores.

var fuzzNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// fuzzObjects are what the validators' reader sees: namespace "capped" has a policy with a 24h
// cap, namespace "free" has none but a live 48h grant.
func fuzzReader() *fake.ClientBuilder {
	return fake.NewClientBuilder().WithScheme(testScheme).WithObjects(
		&supportaccessv1alpha1.AccountSessionPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "capped", Name: "existing", CreationTimestamp: metav1.Time{Time: fuzzNow.Add(-time.Hour)}},
			Spec:       supportaccessv1alpha1.AccountSessionPolicySpec{MaxGrantDuration: &metav1.Duration{Duration: 24 * time.Hour}},
		},
		&supportaccessv1alpha1.SupportAccessGrant{
			ObjectMeta: metav1.ObjectMeta{Namespace: "free", Name: "two-days", CreationTimestamp: metav1.Time{Time: fuzzNow.Add(-time.Hour)}},
			Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{Duration: &metav1.Duration{Duration: 48 * time.Hour}},
		},
	)
}

// decodeSpec decodes data into spec; false when kube-apiserver's schema would never let it reach
// a validating webhook as such.
func decodeSpec(data []byte, spec any) bool {
	return len(data) > 0 && json.Unmarshal(data, spec) == nil
}

// checkFieldErrors fails unless err is nil or a 422 whose causes are all on allowed fields.
func checkFieldErrors(t *testing.T, what string, err error, allowed ...string) {
	t.Helper()
	if err == nil {
		return
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("%s: %v, want a 422 Invalid field error", what, err)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil || len(status.Status().Details.Causes) == 0 {
		t.Fatalf("%s: %v carries no field causes", what, err)
	}
	for _, c := range status.Status().Details.Causes {
		ok := false
		for _, f := range allowed {
			ok = ok || c.Field == f
		}
		if !ok || c.Message == "" {
			t.Fatalf("%s: cause %q on field %q, want one of %v", what, c.Message, c.Field, allowed)
		}
	}
}

func FuzzGrantValidator(f *testing.F) {
	f.Add([]byte(`{}`), []byte(`{"duration":"48h"}`))
	f.Add([]byte(`{"revoked":true}`), []byte(`{"revoked":true,"renewedAt":"2026-11-23T10:00:00Z"}`))
	reader := fuzzReader().Build()
	v := &SupportAccessGrantValidator{Reader: reader, Limits: limits.Fixed(720 * time.Hour), Clock: clocktesting.NewFakePassiveClock(fuzzNow)}
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, oldSpec, newSpec []byte) {
		for _, ns := range []string{"capped", "free"} {
			g := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{
				Namespace: ns, Name: "fuzz", CreationTimestamp: metav1.Time{Time: fuzzNow.Add(-time.Minute)},
			}}
			if !decodeSpec(newSpec, &g.Spec) {
				return
			}

			// Defaulting fills what is missing, changes nothing else, and is idempotent.
			d := g.DeepCopy()
			if err := (&SupportAccessGrantDefaulter{}).Default(ctx, d); err != nil {
				t.Fatalf("Default: %v", err)
			}
			if d.Spec.AccessLevel == "" || d.Spec.Duration == nil || d.Spec.SecretName == "" {
				t.Fatalf("Default left a field empty: %+v", d.Spec)
			}
			if g.Spec.SecretName != "" && d.Spec.SecretName != g.Spec.SecretName || g.Spec.Duration != nil && d.Spec.Duration.Duration != g.Spec.Duration.Duration {
				t.Fatalf("Default changed a value the user set: %+v -> %+v", g.Spec, d.Spec)
			}
			again := d.DeepCopy()
			_ = (&SupportAccessGrantDefaulter{}).Default(ctx, again)
			if !equality.Semantic.DeepEqual(d, again) {
				t.Fatalf("Default is not idempotent: %+v -> %+v", d.Spec, again.Spec)
			}

			warnings, err := v.ValidateCreate(ctx, d)
			if len(warnings) != 0 {
				t.Fatalf("grant warnings %v", warnings)
			}
			checkFieldErrors(t, "create", err, "spec.renewedAt", "spec.duration")
			if _, again := v.ValidateCreate(ctx, d); (err == nil) != (again == nil) || err != nil && err.Error() != again.Error() {
				t.Fatalf("create not deterministic: %v then %v", err, again)
			}
			if _, err := v.ValidateDelete(ctx, d); err != nil {
				t.Fatalf("delete refused: %v", err)
			}
			// Editing nothing, or revoking, is never refused.
			if _, err := v.ValidateUpdate(ctx, d, d.DeepCopy()); err != nil {
				t.Fatalf("no-op update refused: %v", err)
			}
			revoked := d.DeepCopy()
			revoked.Spec.Revoked = true
			if _, err := v.ValidateUpdate(ctx, d, revoked); err != nil {
				t.Fatalf("revocation refused: %v", err)
			}

			old := g.DeepCopy()
			if !decodeSpec(oldSpec, &old.Spec) {
				continue
			}
			_ = (&SupportAccessGrantDefaulter{}).Default(ctx, old)
			_, err = v.ValidateUpdate(ctx, old, d)
			checkFieldErrors(t, "update", err, "spec.renewedAt", "spec.duration")
			// The schema's rule, repeated: renewing a revoked grant is refused, always.
			if old.Spec.Revoked && !old.Spec.RenewedAt.Equal(d.Spec.RenewedAt) &&
				(err == nil || !strings.Contains(err.Error(), "spec.renewedAt: Forbidden: "+msgRevokedRenewal)) {
				t.Fatalf("renewal of a revoked grant: %v", err)
			}
			deleting := d.DeepCopy()
			deleting.DeletionTimestamp = &metav1.Time{Time: fuzzNow}
			if _, err := v.ValidateUpdate(ctx, old, deleting); err != nil {
				t.Fatalf("update of a grant being deleted refused: %v", err)
			}
		}
	})
}

func FuzzPolicyValidator(f *testing.F) {
	f.Add([]byte(`{}`), []byte(`{"inactivityTimeout":"2h","maxGrantDuration":"24h"}`))
	f.Add([]byte(`{"maxGrantDuration":"48h"}`), []byte(`{"maxGrantDuration":"1h"}`))
	reader := fuzzReader().Build()
	v := &AccountSessionPolicyValidator{Reader: reader, APIReader: reader, Limits: limits.Fixed(720 * time.Hour), Clock: clocktesting.NewFakePassiveClock(fuzzNow)}
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, oldSpec, newSpec []byte) {
		for _, ns := range []string{"capped", "free"} {
			p := &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: metav1.ObjectMeta{
				Namespace: ns, Name: "fuzz", CreationTimestamp: metav1.Time{Time: fuzzNow},
			}}
			if !decodeSpec(newSpec, &p.Spec) {
				return
			}
			d := p.DeepCopy()
			if err := (&AccountSessionPolicyDefaulter{}).Default(ctx, d); err != nil {
				t.Fatalf("Default: %v", err)
			}
			if d.Spec.InactivityTimeout == "" || d.Spec.MaxSessionLifetime == nil {
				t.Fatalf("Default left a field empty: %+v", d.Spec)
			}
			again := d.DeepCopy()
			_ = (&AccountSessionPolicyDefaulter{}).Default(ctx, again)
			if !equality.Semantic.DeepEqual(d, again) {
				t.Fatalf("Default is not idempotent: %+v -> %+v", d.Spec, again.Spec)
			}

			// A second policy is refused, naming the namespace; the first never is.
			warnings, err := v.ValidateCreate(ctx, d)
			switch ns {
			case "capped":
				checkFieldErrors(t, "create", err, "metadata.namespace")
				if err == nil || !strings.Contains(err.Error(), `already has AccountSessionPolicy "existing"`) {
					t.Fatalf("second policy: %v", err)
				}
			default:
				if err != nil {
					t.Fatalf("first policy refused: %v", err)
				}
				checkWarnings(t, d, warnings)
			}
			if _, err := v.ValidateDelete(ctx, d); err != nil {
				t.Fatalf("delete refused: %v", err)
			}

			// Updates are never refused, and warn like creates.
			old := p.DeepCopy()
			if !decodeSpec(oldSpec, &old.Spec) {
				old = d.DeepCopy()
			}
			warnings, err = v.ValidateUpdate(ctx, old, d)
			if err != nil {
				t.Fatalf("update refused: %v", err)
			}
			checkWarnings(t, d, warnings)
		}
	})
}

// checkWarnings checks warnings are single lines naming a field (or the policy), and that the AAL2
// warning appears exactly when the inactivity timeout exceeds 1h.
func checkWarnings(t *testing.T, p *supportaccessv1alpha1.AccountSessionPolicy, warnings []string) {
	t.Helper()
	aal2 := false
	for _, w := range warnings {
		if w == "" || strings.ContainsAny(w, "\n\r") ||
			!strings.HasPrefix(w, "spec.") && !strings.HasPrefix(w, "this AccountSessionPolicy") {
			t.Fatalf("malformed warning %q", w)
		}
		aal2 = aal2 || strings.HasPrefix(w, "spec.inactivityTimeout:")
	}
	if want := policy.Of(p).InactivityTimeout > policy.AAL2MaxInactivity; aal2 != want {
		t.Fatalf("AAL2 warning %v, want %v for %q: %v", aal2, want, p.Spec.InactivityTimeout, warnings)
	}
}
