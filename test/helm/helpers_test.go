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

package helm

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	// releaseName and namespace make the chart's names config/default's: the chart's fullname is
	// then "support-access-operator", and config/default's namePrefix is that plus a dash.
	releaseName = "support-access-operator"
	namespace   = "support-access-system"
	// kubeVersion is the pinned control plane's (Makefile KUBE_VERSION).
	kubeVersion = "v1.37.2"
	// commandTimeout bounds one kubectl run.
	commandTimeout = 60 * time.Second
	// chartDirEnv points the tests at another copy of the chart.
	chartDirEnv = "SAO_HELM_CHART_DIR"
)

// repoRoot is the repository's top directory: this module lives in test/helm.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// repoPath is a path in the repository, from its top directory.
func repoPath(elem ...string) string {
	return filepath.Join(append([]string{repoRoot()}, elem...)...)
}

// chartDir is the chart under test: $SAO_HELM_CHART_DIR, else charts/support-access-operator.
func chartDir() string {
	if dir := os.Getenv(chartDirEnv); dir != "" {
		return dir
	}
	return repoPath("charts", "support-access-operator")
}

// assetsDir is where the control-plane binaries and kubectl are: $KUBEBUILDER_ASSETS when set
// (make test sets it), else the newest bin/k8s/<version> built by `make envtest`. The same lookup
// as the root module's internal/testutil.AssetsDir, which this module cannot import.
func assetsDir() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	dirs, _ := filepath.Glob(repoPath("bin", "k8s", "*"))
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "kube-apiserver")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("no control-plane binaries: run `make envtest` (or `make test`), or set KUBEBUILDER_ASSETS")
}

// requireAssets is assetsDir with the given binaries checked; missing ones fail the test with
// what to do, they never skip it.
func requireAssets(t testing.TB, binaries ...string) string {
	t.Helper()
	dir, err := assetsDir()
	if err != nil {
		t.Fatalf("the helm tests need the pinned control plane and kubectl: %v", err)
	}
	for _, b := range binaries {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			t.Fatalf("the helm tests need %s in %s (run `make envtest`, or set KUBEBUILDER_ASSETS): %v", b, dir, err)
		}
	}
	return dir
}

// loadChart loads the chart under test from its directory, as `helm install ./chart` does.
func loadChart(t testing.TB) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(chartDir())
	if err != nil {
		t.Fatalf("load chart %s: %v", chartDir(), err)
	}
	return ch
}

// readValues reads a values file of testdata/values, as `helm install -f` does.
func readValues(t testing.TB, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "values", name))
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]any{}
	if err := yaml.Unmarshal(data, &vals); err != nil {
		t.Fatalf("values file %s: %v", name, err)
	}
	return vals
}

// valuesFiles are the files of testdata/values, the matrix every install test runs over.
func valuesFiles(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "values"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatal("no values files in testdata/values")
	}
	return names
}

// target is where a client-only install renders for.
type target struct {
	release, namespace, kubeVersion string
}

// defaultTarget is config/default's namespace and names, on the pinned Kubernetes.
var defaultTarget = target{release: releaseName, namespace: namespace, kubeVersion: kubeVersion}

// quietConfig is an action configuration whose logs are dropped.
func quietConfig() *action.Configuration {
	return action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
}

// render is a client-only install (`helm install --dry-run=client`, `helm template`): the chart
// rendered for the target's Kubernetes version, with the values schema checked, no cluster.
func render(ch *chart.Chart, vals map[string]any, to target) (*release.Release, error) {
	kv, err := common.ParseKubeVersion(to.kubeVersion)
	if err != nil {
		return nil, err
	}
	inst := action.NewInstall(quietConfig())
	inst.DryRunStrategy = action.DryRunClient
	inst.ReleaseName = to.release
	inst.Namespace = to.namespace
	inst.KubeVersion = kv
	inst.IncludeCRDs = true
	rel, err := inst.Run(ch, vals)
	if err != nil {
		return nil, err
	}
	r, ok := rel.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("install returned a %T", rel)
	}
	return r, nil
}

// mustRender is render that fails the test on an error, and decodes the manifest.
func mustRender(t testing.TB, ch *chart.Chart, vals map[string]any, to target) (manifest, *release.Release) {
	t.Helper()
	rel, err := render(ch, vals, to)
	if err != nil {
		t.Fatalf("render the chart: %v", err)
	}
	m, err := decodeManifest([]byte(rel.Manifest))
	if err != nil {
		t.Fatalf("decode the rendered manifest: %v\n%s", err, rel.Manifest)
	}
	return m, rel
}

// manifest is a rendered multi-document YAML stream, decoded.
type manifest []*unstructured.Unstructured

// decodeManifest decodes a multi-document YAML stream, skipping empty documents.
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
			return nil, fmt.Errorf("document %d: %w\n%s", i, err, doc)
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

// objectKey names an object by group, kind, namespace and name.
func objectKey(u *unstructured.Unstructured) string {
	gk := u.GroupVersionKind().GroupKind()
	ns := u.GetNamespace()
	if ns == "" {
		ns = "-"
	}
	return fmt.Sprintf("%s %s/%s", gk.String(), ns, u.GetName())
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

// kind returns the objects of one kind, in stream order.
func (m manifest) kind(kind string) manifest {
	var out manifest
	for _, u := range m {
		if u.GetKind() == kind {
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

// keys are the objects' keys, sorted.
func (m manifest) keys() []string {
	keys := make([]string, 0, len(m))
	for _, u := range m {
		keys = append(keys, objectKey(u))
	}
	sort.Strings(keys)
	return keys
}

// deployment is the manager's Deployment, the only one.
func (m manifest) deployment(t testing.TB) *unstructured.Unstructured {
	t.Helper()
	ds := m.kind("Deployment")
	if len(ds) != 1 {
		t.Fatalf("want one Deployment, rendered %d", len(ds))
	}
	return ds[0]
}

// container is the Deployment's manager container.
func container(t testing.TB, d *unstructured.Unstructured) map[string]any {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if len(cs) != 1 {
		t.Fatalf("want one container, the Deployment has %d", len(cs))
	}
	return cs[0].(map[string]any)
}

// args are a container's arguments.
func args(c map[string]any) []string {
	var out []string
	list, _ := c["args"].([]any)
	for _, a := range list {
		out = append(out, a.(string))
	}
	return out
}

// env is a container's environment variables with a value, by name.
func env(c map[string]any) map[string]string {
	out := map[string]string{}
	list, _ := c["env"].([]any)
	for _, e := range list {
		m := e.(map[string]any)
		if v, ok := m["value"].(string); ok {
			out[m["name"].(string)] = v
		}
	}
	return out
}

// kubectlKustomize renders a kustomization directory with the pinned kubectl, as `make deploy`
// does; a warning is an error.
func kubectlKustomize(t testing.TB, dir string) manifest {
	t.Helper()
	kubectl := filepath.Join(requireAssets(t, "kubectl"), "kubectl")
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", dir)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, errOut.String())
	}
	if errOut.Len() > 0 {
		t.Fatalf("kubectl kustomize %s warned:\n%s", dir, errOut.String())
	}
	m, err := decodeManifest(out.Bytes())
	if err != nil {
		t.Fatalf("decode kubectl kustomize %s: %v", dir, err)
	}
	return m
}

// configCopy copies the repository's config/ into a temporary directory and uncomments, in its
// config/default/kustomization.yaml, each of the given lines (written there with a leading "#", as
// the docs tell users to uncomment them). It returns the copy's config/default.
func configCopy(t testing.TB, uncomment ...string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "config")
	if err := os.CopyFS(dst, os.DirFS(repoPath("config"))); err != nil {
		t.Fatalf("copy config/: %v", err)
	}
	file := filepath.Join(dst, "default", "kustomization.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, want := range uncomment {
		n := 0
		for i, l := range lines {
			if l == "#"+want {
				lines[i] = want
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%s has %d lines %q to uncomment, want 1", file, n, "#"+want)
		}
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "default")
}
