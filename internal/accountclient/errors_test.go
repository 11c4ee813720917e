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

package accountclient

import (
	"errors"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestExplain(t *testing.T) {
	grants := schema.GroupResource{Group: "supportaccess.io", Resource: "supportaccessgrants"}
	for _, tc := range []struct {
		name         string
		err          error
		objName      string
		want         string
		wantNotFound bool
	}{
		{"missing grant", apierrors.NewNotFound(grants, "t"), "t", `grant "t" not found in namespace "acme"`, true},
		{"missing namespace", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "acme"), "t", `namespace "acme" not found`, true},
		{"API not installed", apierrors.NewGenericServerResponse(404, "GET", grants, "", "404 page not found", 0, true), "t",
			"this cluster does not serve the supportaccess.io/v1alpha1 API", false},
		{"API not installed, listing", apierrors.NewGenericServerResponse(404, "GET", grants, "", "404 page not found", 0, true), "",
			"this cluster does not serve the supportaccess.io/v1alpha1 API", false},
		{"exists", apierrors.NewAlreadyExists(grants, "t"), "t", `grant "t" already exists in namespace "acme"`, false},
		{"forbidden: the server's words", apierrors.NewForbidden(grants, "t", errors.New("RBAC says no")), "t", "RBAC says no", false},
		{"not an API error", errors.New("dial tcp: connection refused"), "t", "dial tcp: connection refused", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := Explain(tc.err, "grant", tc.objName, "acme")
			g.Expect(err).To(MatchError(ContainSubstring(tc.want)))
			g.Expect(errors.Is(err, ErrNotFound)).To(Equal(tc.wantNotFound))
		})
	}
	NewWithT(t).Expect(Explain(nil, "grant", "t", "acme")).To(Succeed())
}

// The explained errors keep the API's status underneath: the console answers with it.
func TestExplainKeepsTheStatus(t *testing.T) {
	g := NewWithT(t)
	gr := schema.GroupResource{Group: "supportaccess.io", Resource: "supportaccessgrants"}
	for _, tc := range []struct {
		err  error
		code int32
	}{
		{apierrors.NewNotFound(gr, "t"), http.StatusNotFound},
		{apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "acme"), http.StatusNotFound},
		{apierrors.NewNotFound(gr, ""), http.StatusNotFound},
		{apierrors.NewAlreadyExists(gr, "t"), http.StatusConflict},
	} {
		var status apierrors.APIStatus
		g.Expect(errors.As(Explain(tc.err, "grant", "t", "acme"), &status)).To(BeTrue(), "%v", tc.err)
		g.Expect(status.Status().Code).To(Equal(tc.code), "%v", tc.err)
	}
}
