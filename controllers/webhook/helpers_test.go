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
	"errors"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// newUnstructured builds an unstructured object, so tests can send what a typed client cannot: wrong
// types, empty strings, fields set to odd values. A nil spec sends no spec at all.
func newUnstructured(gvk schema.GroupVersionKind, ns, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(ns)
	if name == "" {
		u.SetGenerateName("t-")
	} else {
		u.SetName(name)
	}
	if spec != nil {
		u.Object["spec"] = spec
	}
	return u
}

// warningRecorder collects the warnings kube-apiserver returns to one client.
type warningRecorder struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningRecorder) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, text)
}

// take returns the warnings so far and forgets them.
func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.warnings
	w.warnings = nil
	return out
}

// newWarningClient returns a client whose admission warnings the test can read.
func newWarningClient(t *testing.T) (client.Client, *warningRecorder) {
	t.Helper()
	rec := &warningRecorder{}
	cfg := rest.CopyConfig(testConfig)
	cfg.WarningHandler, cfg.WarningHandlerWithContext = nil, rec
	c, err := client.New(cfg, client.Options{Scheme: testScheme, Mapper: k8s.RESTMapper()})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c, rec
}

// waitForWebhookCache polls until the webhooks' cache holds n objects of list's kind in ns.
func waitForWebhookCache(t *testing.T, list client.ObjectList, ns string, n int) {
	t.Helper()
	NewWithT(t).Eventually(func() (int, error) {
		if err := webhookCache.List(context.Background(), list, client.InNamespace(ns)); err != nil {
			return 0, err
		}
		return meta.LenList(list), nil
	}, eventually, poll).Should(Equal(n), "webhook cache of %T in %s", list, ns)
}

// causes returns the field causes of an API error as "field: message" lines.
func causes(err error) []string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return nil
	}
	var out []string
	for _, c := range status.Status().Details.Causes {
		out = append(out, c.Field+": "+c.Message)
	}
	return out
}

// policyCauses returns the causes of an admission policy's refusal as "field: message" lines:
// the policies write their messages in that form, after kube-apiserver's prefix
// "ValidatingAdmissionPolicy '<name>' with binding '<name>' denied request: ".
func policyCauses(err error) []string {
	var out []string
	for _, c := range causes(err) {
		_, msg, ok := strings.Cut(c, " denied request: ")
		if !ok {
			return []string{"not a policy's refusal: " + c}
		}
		out = append(out, msg)
	}
	return out
}
