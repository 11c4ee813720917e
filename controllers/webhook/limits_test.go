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
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/supportaccess/support-access-operator/internal/limits"
)

// TestLimitsConfigMapChecked writes the operator's limits ConfigMap with the admission policies
// installed: a value the policies could not read (or the manager would refuse) is refused when
// written, in a field error; a good one, or none, is stored.
func TestLimitsConfigMapChecked(t *testing.T) {
	tests := []struct {
		value   string // "" writes no maxGrantDuration key
		wantErr string
	}{
		{value: "720h"},
		{value: "15m"},
		{value: "1h30m"},
		{value: ""},
		{value: "30d", wantErr: `data.maxGrantDuration: Invalid value: "30d": must be a duration such as 720h, of at least 15m`},
		{value: "10m", wantErr: `data.maxGrantDuration: Invalid value: "10m": must be a duration such as 720h, of at least 15m`},
		{value: "-720h", wantErr: "must be a duration such as 720h"},
		{value: "forever", wantErr: "must be a duration such as 720h"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: newNamespace(t, modePolicies), Name: "support-access-limits"}}
			if tt.value != "" {
				cm.Data = map[string]string{limits.KeyMaxGrantDuration: tt.value}
			}
			err := k8s.Create(context.Background(), cm)
			if tt.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				_, parseErr := limits.Parse(tt.value)
				g.Expect(tt.value == "" || parseErr == nil).To(BeTrue(), "admitted what the manager refuses: %v", parseErr)
				return
			}
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
			g.Expect(policyCauses(err)).To(ConsistOf(ContainSubstring(tt.wantErr)))
		})
	}
}
