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

package controllers

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

func usedGrant() *supportaccessv1alpha1.SupportAccessGrant {
	used := metav1.NewTime(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	return &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: "account-1", Name: "ticket", UID: "uid-1", Generation: 4, ResourceVersion: "100"},
		Status: supportaccessv1alpha1.SupportAccessGrantStatus{
			Phase:              supportaccessv1alpha1.GrantPhaseActive,
			LoginEmail:         "support-abc@support.test",
			ObservedGeneration: 4,
			ActiveSessions:     3,
			LastUsedAt:         &used,
		},
	}
}

// The controller's status patch never names the usage fields, whatever the code before it did.
func TestStatusPatchLeavesUsageAlone(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*supportaccessv1alpha1.SupportAccessGrant)
	}{
		{name: "expired: sessions zeroed by mistake", mutate: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.Status.Phase = supportaccessv1alpha1.GrantPhaseExpired
			g.Status.ActiveSessions = 0
		}},
		{name: "lastUsedAt cleared by mistake", mutate: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.Status.LoginEmail = "support-def@support.test"
			g.Status.LastUsedAt = nil
		}},
		{name: "only the controller's fields changed", mutate: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.Status.ObservedGeneration = 5
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := usedGrant()
			grant := orig.DeepCopy()
			tt.mutate(grant)
			keepUsage(orig, grant)
			patch, err := client.MergeFrom(orig).Data(grant)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(patch), "activeSessions") || strings.Contains(string(patch), "lastUsedAt") {
				t.Fatalf("patch %s names a usage field", patch)
			}
			if !strings.Contains(string(patch), `"status"`) {
				t.Fatalf("patch %s lost the controller's change", patch)
			}
		})
	}
}

func TestSameControllerInputs(t *testing.T) {
	tests := []struct {
		name   string
		stored func(*supportaccessv1alpha1.SupportAccessGrant)
		want   bool
	}{
		{name: "a usage report in between", want: true, stored: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.ResourceVersion = "101"
			g.Status.ActiveSessions = 7
			g.Status.LastUsedAt = &metav1.Time{Time: g.Status.LastUsedAt.Add(time.Minute)}
		}},
		{name: "an annotation in between", want: true, stored: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.ResourceVersion = "101"
			g.Annotations = map[string]string{"example.com/note": "x"}
		}},
		{name: "a spec change in between", want: false, stored: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.Generation = 5
		}},
		{name: "a status write of the controller in between", want: false, stored: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.Status.LoginEmail = "support-def@support.test"
		}},
		{name: "deletion started", want: false, stored: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.DeletionTimestamp = &metav1.Time{Time: time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)}
		}},
		{name: "deleted and created again", want: false, stored: func(g *supportaccessv1alpha1.SupportAccessGrant) {
			g.UID = "uid-2"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read := usedGrant()
			stored := read.DeepCopy()
			tt.stored(stored)
			if got := sameControllerInputs(read, stored); got != tt.want {
				t.Fatalf("sameControllerInputs = %v, want %v", got, tt.want)
			}
		})
	}
}
