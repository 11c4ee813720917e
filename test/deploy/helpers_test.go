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

package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/supportaccess/support-access-operator/internal/testutil"
)

const (
	// namespace and namePrefix are config/default's: every object but the cluster-wide contracts
	// (the Namespace, the CRDs, the support users' ClusterRoles) is renamed with namePrefix.
	namespace  = "support-access-system"
	namePrefix = "support-access-operator-"
	// commandTimeout bounds one kubectl (or script) run, so a hung one fails its test instead of
	// running into go test's global timeout.
	commandTimeout = 30 * time.Second
	// certManagerGroup's kinds (Issuer, Certificate) are not applied: their CRDs are not installed.
	certManagerGroup = "cert-manager.io"
)

// repoPath is a path in the repository, from its top directory.
func repoPath(elem ...string) string {
	return filepath.Join(append([]string{testutil.RepoRoot()}, elem...)...)
}

// assetsDir is where the pinned control-plane binaries and kubectl are; missing ones fail the test
// with what to do, they never skip it.
func assetsDir(t testing.TB, binaries ...string) string {
	t.Helper()
	dir, err := testutil.AssetsDir()
	if err != nil {
		t.Fatalf("the deploy tests need the pinned control plane and kubectl: %v", err)
	}
	for _, b := range binaries {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			t.Fatalf("the deploy tests need %s in %s (run `make envtest`, or set KUBEBUILDER_ASSETS): %v", b, dir, err)
		}
	}
	return dir
}

// kubectlPath is the pinned kubectl, whose built-in kustomize `make deploy` uses.
func kubectlPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(assetsDir(t, "kubectl"), "kubectl")
}

// run runs cmd with stdin (when not nil) and returns what it printed. The error says what ran and
// includes stderr.
func run(cmd *exec.Cmd, stdin []byte) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		// %v, not %w: Gomega would print the whole *exec.ExitError.
		return out.String(), errOut.String(), fmt.Errorf("%s: %v\nstderr: %s", strings.Join(cmd.Args, " "), err, errOut.String())
	}
	return out.String(), errOut.String(), nil
}

// command is exec.CommandContext bounded by commandTimeout and run from the repository's top.
func command(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = testutil.RepoRoot()
	return cmd
}

// kustomize renders a kustomization directory (relative to the repository's top) with the
// pinned kubectl, as `make deploy` does.
func kustomize(t testing.TB, dir string) []byte {
	t.Helper()
	out, err := kustomizeDir(kubectlPath(t), repoPath(dir))
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	return out
}

// kustomizeDir renders the kustomization directory dir with kubectl; a warning is an error.
func kustomizeDir(kubectl, dir string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	out, errOut, err := run(exec.CommandContext(ctx, kubectl, "kustomize", dir), nil)
	if err == nil && errOut != "" {
		err = fmt.Errorf("warned (a deprecated field breaks with a later kustomize):\n%s", errOut)
	}
	return []byte(out), err
}

// The two installs, by the names of their subtests.
const (
	// policiesInstall is config/default as it is: admission is config/admission's policies.
	policiesInstall = "policies"
	// webhooksInstall is config/default with the webhooks component enabled, as docs/validation.md
	// says: admission is the manager's webhooks.
	webhooksInstall = "webhooks"
)

// webhooksComponent is what config/default/kustomization.yaml has commented out, and what users
// uncomment, for the webhooks instead of the admission policies.
var webhooksComponent = [...]string{"#components:", "#- ../components/webhooks"}

// enableWebhooks uncomments the webhooks component in the config/default/kustomization.yaml of
// the config tree at configDir: the two lines must be there exactly as the docs quote them.
func enableWebhooks(configDir string) error {
	file := filepath.Join(configDir, "default", "kustomization.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	at := -1
	for i := range len(lines) - 1 {
		if lines[i] == webhooksComponent[0] && lines[i+1] == webhooksComponent[1] {
			if at >= 0 {
				return fmt.Errorf("%s has the lines %q twice", file, webhooksComponent)
			}
			at = i
		}
	}
	if at < 0 {
		return fmt.Errorf("%s has no lines %q to uncomment (the instructions in docs/validation.md "+
			"and config/components/webhooks/kustomization.yaml no longer work)", file, webhooksComponent)
	}
	for i, l := range webhooksComponent {
		lines[at+i] = strings.TrimPrefix(l, "#")
	}
	return os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644)
}

// copyConfig copies the repository's config/ tree to dir/config and returns that path.
func copyConfig(dir string) (string, error) {
	dst := filepath.Join(dir, "config")
	if err := os.CopyFS(dst, os.DirFS(repoPath("config"))); err != nil {
		return "", fmt.Errorf("copy config/ to %s: %w", dir, err)
	}
	return dst, nil
}

// renderWebhooks renders the webhooks install the way a user gets it: config/ copied, the
// component uncommented in the copy's config/default, `kubectl kustomize` of that.
func renderWebhooks(kubectl string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "deploy-webhooks-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	config, err := copyConfig(dir)
	if err != nil {
		return nil, err
	}
	if err := enableWebhooks(config); err != nil {
		return nil, err
	}
	return kustomizeDir(kubectl, filepath.Join(config, "default"))
}

// The installs rendered once per test binary: every static test reads them.
var (
	renderDefault = sync.OnceValues(func() ([]byte, error) {
		dir, err := testutil.AssetsDir()
		if err != nil {
			return nil, err
		}
		return kustomizeDir(filepath.Join(dir, "kubectl"), repoPath("config", "default"))
	})
	renderWebhooksOnce = sync.OnceValues(func() ([]byte, error) {
		dir, err := testutil.AssetsDir()
		if err != nil {
			return nil, err
		}
		return renderWebhooks(filepath.Join(dir, "kubectl"))
	})
)

// defaultManifest is config/default rendered and decoded: the admission policies install.
func defaultManifest(t testing.TB) manifest {
	t.Helper()
	return renderedManifest(t, policiesInstall, renderDefault)
}

// webhooksManifest is config/default with the webhooks component enabled, rendered and decoded.
func webhooksManifest(t testing.TB) manifest {
	t.Helper()
	return renderedManifest(t, webhooksInstall, renderWebhooksOnce)
}

// renderedManifest is an install's cached render, decoded; a failure fails the test.
func renderedManifest(t testing.TB, install string, render func() ([]byte, error)) manifest {
	t.Helper()
	kubectlPath(t) // a clear failure when kubectl is missing
	out, err := render()
	if err != nil {
		t.Fatalf("render the %s install: %v", install, err)
	}
	m, err := decodeManifest(out)
	if err != nil {
		t.Fatalf("decode the %s install: %v", install, err)
	}
	return m
}

// manifest is a rendered multi-document YAML stream, decoded.
type manifest []*unstructured.Unstructured

// decodeManifest decodes a multi-document YAML (or JSON) stream. Integers stay int64, as in
// objects read from the API.
func decodeManifest(data []byte) (manifest, error) {
	var m manifest
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		js, err := utilyaml.ToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if s := strings.TrimSpace(string(js)); s == "" || s == "null" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("document %d: %w\n%s", i, err, doc)
		}
		m = append(m, u)
	}
}

// kind returns the objects of one kind (any group), in stream order.
func (m manifest) kind(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, u := range m {
		if u.GetKind() == kind {
			out = append(out, u)
		}
	}
	return out
}

// find returns the object of kind and name, or nil.
func (m manifest) find(kind, name string) *unstructured.Unstructured {
	for _, u := range m {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	return nil
}

// without returns the objects whose API group is not one of groups.
func (m manifest) without(groups ...string) manifest {
	var out manifest
	for _, u := range m {
		if !slices.Contains(groups, u.GroupVersionKind().Group) {
			out = append(out, u)
		}
	}
	return out
}

// only returns the objects of the given kinds.
func (m manifest) only(kinds ...string) manifest {
	var out manifest
	for _, u := range m {
		if slices.Contains(kinds, u.GetKind()) {
			out = append(out, u)
		}
	}
	return out
}

// excluding returns the objects not of the given kinds.
func (m manifest) excluding(kinds ...string) manifest {
	var out manifest
	for _, u := range m {
		if !slices.Contains(kinds, u.GetKind()) {
			out = append(out, u)
		}
	}
	return out
}

// list is the objects as one v1 List, which kubectl apply -f - takes like a multi-document file.
func (m manifest) list() ([]byte, error) {
	items := make([]json.RawMessage, 0, len(m))
	for _, u := range m {
		js, err := u.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
		items = append(items, js)
	}
	return json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}

// typed converts u into obj, rejecting fields obj's type does not have: a typo in a manifest
// (say, `readinesProbe`) is an error here, not a silently ignored field.
func typed[T any](g Gomega, u *unstructured.Unstructured) *T {
	g.Expect(u).NotTo(BeNil())
	obj := new(T)
	err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, obj, true)
	g.Expect(err).NotTo(HaveOccurred(), "%s %s", u.GetKind(), u.GetName())
	return obj
}

// mustFind is find that fails when the object is missing, then converts it.
func mustFind[T any](g Gomega, m manifest, kind, name string) *T {
	u := m.find(kind, name)
	g.Expect(u).NotTo(BeNil(), "rendered manifest has no %s %s", kind, name)
	return typed[T](g, u)
}

// gk is a kind with its API group, for messages and maps.
func gk(u *unstructured.Unstructured) schema.GroupKind {
	return u.GroupVersionKind().GroupKind()
}

// containerPort resolves a Service's targetPort (a number or a port name) against a container.
func containerPort(c corev1.Container, target intstr.IntOrString) (int32, bool) {
	if target.Type == intstr.Int {
		for _, p := range c.Ports {
			if p.ContainerPort == target.IntVal {
				return p.ContainerPort, true
			}
		}
		return 0, false
	}
	for _, p := range c.Ports {
		if p.Name == target.StrVal {
			return p.ContainerPort, true
		}
	}
	return 0, false
}
