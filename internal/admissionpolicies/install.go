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

package admissionpolicies

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// placeholderNamespace is what config/admission's bindings say for the operator's namespace;
// config/default's `namespace:` replaces it (config/admission/kustomizeconfig.yaml).
const placeholderNamespace = "system"

// Options say where the policies' parameters live and which namespaces they cover.
type Options struct {
	// Dir holds the policy files (config/admission).
	Dir string
	// OperatorNamespace is where the limits ConfigMap is, as the manager's --limits-configmap says.
	OperatorNamespace string
	// NamespaceSelector, when set, limits every binding to the namespaces it selects (tests run
	// several admission modes on one kube-apiserver). Nil: every namespace, as deployed.
	NamespaceSelector *metav1.LabelSelector
}

// Load reads the policies and bindings of opts.Dir, adjusted as opts say.
func Load(opts Options) ([]client.Object, error) {
	files, err := filepath.Glob(filepath.Join(opts.Dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	if err := admissionregistrationv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	decoder := serializer.NewCodecFactory(scheme).UniversalDeserializer()
	var objs []client.Object
	for _, file := range files {
		if filepath.Base(file) == "kustomizeconfig.yaml" || filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
		for {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			obj, _, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			o, ok := obj.(client.Object)
			if !ok {
				return nil, fmt.Errorf("%s: %T is not an object", file, obj)
			}
			if err := adjust(o, opts); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			objs = append(objs, o)
		}
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("no admission policies in %s", opts.Dir)
	}
	return objs, nil
}

// adjust applies opts to one object, as config/default's kustomization would.
func adjust(o client.Object, opts Options) error {
	switch obj := o.(type) {
	case *admissionregistrationv1.ValidatingAdmissionPolicy, *admissionregistrationv1.MutatingAdmissionPolicy:
	case *admissionregistrationv1.ValidatingAdmissionPolicyBinding:
		if ref := obj.Spec.ParamRef; ref != nil && ref.Namespace == placeholderNamespace {
			ref.Namespace = opts.OperatorNamespace
		}
		obj.Spec.MatchResources = scoped(obj.Spec.MatchResources, opts.NamespaceSelector)
	case *admissionregistrationv1.MutatingAdmissionPolicyBinding:
		obj.Spec.MatchResources = scoped(obj.Spec.MatchResources, opts.NamespaceSelector)
	default:
		return fmt.Errorf("unexpected %T %q: config/admission holds admission policies and bindings only", o, o.GetName())
	}
	return nil
}

// scoped returns a binding's match resources limited to the namespaces sel selects; nil sel
// leaves them as they are.
func scoped(mr *admissionregistrationv1.MatchResources, sel *metav1.LabelSelector) *admissionregistrationv1.MatchResources {
	if sel == nil {
		return mr
	}
	if mr == nil {
		mr = &admissionregistrationv1.MatchResources{}
	}
	mr.NamespaceSelector = sel
	return mr
}

// Install creates the policies and bindings of opts.Dir.
func Install(ctx context.Context, c client.Client, opts Options) error {
	objs, err := Load(opts)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("install %T %s: %w", o, o.GetName(), err)
		}
	}
	return nil
}

// WaitEnforced polls until kube-apiserver enforces the installed policies in namespace, which it
// does once its own informers have loaded and compiled them and their parameters: until a dry-run
// grant comes back with the operator's finalizer (the mutating policy) and one over maxGrantDuration
// is refused (a validating policy with its limits ConfigMap, which must exist, at a cap below
// 9999h). Dry runs leave nothing behind.
func WaitEnforced(ctx context.Context, c client.Client, namespace string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		last = probe(ctx, c, namespace)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the admission policies are not enforced in namespace %s after %s: %w", namespace, timeout, last)
		case <-time.After(100 * time.Millisecond): // polling kube-apiserver for a state it reaches on its own
		}
	}
}

// probe returns nil when both policies answer as installed.
func probe(ctx context.Context, c client.Client, namespace string) error {
	ok := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "admission-probe"}}
	if err := c.Create(ctx, ok, client.DryRunAll); err != nil {
		return fmt.Errorf("dry-run grant: %w", err)
	}
	if !controllerutil.ContainsFinalizer(ok, supportaccessv1alpha1.GrantFinalizer) {
		return errors.New("the mutating policy did not add the finalizer yet")
	}
	tooLong := &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "admission-probe"},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{Duration: &metav1.Duration{Duration: 9999 * time.Hour}},
	}
	err := c.Create(ctx, tooLong, client.DryRunAll)
	if apierrors.IsInvalid(err) {
		return nil
	}
	return fmt.Errorf("a 9999h grant was not refused yet: %v", err)
}

// InstallAndWait installs the policies of opts into the cluster of cfg and waits, up to timeout,
// until kube-apiserver enforces them in the namespace "default" (see WaitEnforced: the limits
// ConfigMap must exist already). It is the whole setup of make run-local and the end-to-end suites.
func InstallAndWait(ctx context.Context, cfg *rest.Config, opts Options, timeout time.Duration) error {
	scheme := runtime.NewScheme()
	if err := admissionregistrationv1.AddToScheme(scheme); err != nil {
		return err
	}
	if err := supportaccessv1alpha1.AddToScheme(scheme); err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("client for the admission policies: %w", err)
	}
	if err := Install(ctx, c, opts); err != nil {
		return fmt.Errorf("install the admission policies: %w", err)
	}
	return WaitEnforced(ctx, c, "default", timeout)
}
