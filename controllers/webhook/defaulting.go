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
	"net/http"
	"reflect"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/supportaccess/support-access-operator/internal/policy"
)

// defaultingHandler runs a typed admission.Defaulter and answers with a JSON patch that only adds
// the spec fields the defaulter filled in, and finalizers.
//
// controller-runtime's own defaulting handler (the builder's WithDefaulter) re-marshals the whole
// object and diffs it against the request, so any value the Go types write differently comes back
// rewritten: "720h" becomes "720h0m0s" and renewedAt loses its fractional seconds. GitOps tools
// would then see drift on every sync. Defaulting fills in what is missing and changes nothing else.
//
// An object the Go types cannot decode (a duration of "abc", a number where a string belongs) is let
// through unchanged: the CRD schema, which kube-apiserver checks after mutating admission, refuses
// it with a field error, where failing here would hide that behind a decoding error.
type defaultingHandler[T runtime.Object] struct {
	defaulter admission.Defaulter[T]
	decoder   admission.Decoder
	// durationFields are the spec fields holding Go durations, written back in their short form.
	durationFields []string
}

func newDefaultingHandler[T runtime.Object](scheme *runtime.Scheme, defaulter admission.Defaulter[T], durationFields ...string) *defaultingHandler[T] {
	return &defaultingHandler[T]{defaulter: defaulter, decoder: admission.NewDecoder(scheme), durationFields: durationFields}
}

// Handle implements admission.Handler.
func (h *defaultingHandler[T]) Handle(ctx context.Context, req admission.Request) admission.Response {
	// Defaults are for new objects; the webhook is registered for CREATE only.
	if req.Operation != admissionv1.Create {
		return admission.Allowed("")
	}
	obj := newObject[T]()
	if err := h.decoder.DecodeRaw(req.Object, obj); err != nil {
		logf.FromContext(ctx).V(1).Info("Object does not decode; leaving it to the schema to refuse", "error", err.Error())
		return admission.Allowed("")
	}
	if err := h.defaulter.Default(admission.NewContextWithRequest(ctx, req), obj); err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	marshalled, err := json.Marshal(obj)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	resp := admission.PatchResponseFromRaw(req.Object.Raw, marshalled)
	if !resp.Allowed {
		return resp
	}
	kept := resp.Patches[:0]
	for _, op := range resp.Patches {
		if op.Operation != "add" || !underPath(op.Path, "/spec") && !underPath(op.Path, "/metadata/finalizers") {
			continue
		}
		op.Value = h.shortDurations(op.Path, op.Value)
		kept = append(kept, op)
	}
	resp.Patches = kept
	if len(kept) == 0 {
		resp.PatchType = nil
	}
	return resp
}

// underPath reports whether a JSON patch path is root or inside it.
func underPath(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// shortDurations writes added durations as "168h" rather than Go's "168h0m0s", so a default the
// webhook adds reads exactly like the same default added by the schema.
func (h *defaultingHandler[T]) shortDurations(path string, value any) any {
	if spec, ok := value.(map[string]any); ok && path == "/spec" {
		for _, f := range h.durationFields {
			if v, ok := spec[f]; ok {
				spec[f] = shortDuration(v)
			}
		}
		return spec
	}
	for _, f := range h.durationFields {
		if path == "/spec/"+f {
			return shortDuration(value)
		}
	}
	return value
}

func shortDuration(v any) any {
	if s, ok := v.(string); ok {
		if d, err := time.ParseDuration(s); err == nil {
			return policy.FormatDuration(d)
		}
	}
	return v
}

// newObject returns a new, empty T (a pointer to an API type).
func newObject[T runtime.Object]() T {
	var zero T
	return reflect.New(reflect.TypeOf(zero).Elem()).Interface().(T)
}
