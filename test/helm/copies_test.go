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
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"
)

// The chart carries copies of config/'s generated files (the CRDs, the manager's RBAC, the webhook
// configurations) and of config/admission, which its templates read with .Files; they are the same
// bytes as config/'s, and the same set of files. `make manifests` changes config/ only: copy again
// with the commands in the failure message.
func TestChartCopiesOfConfig(t *testing.T) {
	admission := kustomizationResources(t, repoPath("config", "admission"))
	crds := kustomizationResources(t, repoPath("config", "crd"))
	for _, tc := range []struct {
		chartDir, configDir string
		files               []string
	}{
		{"files/crds", "config/crd/bases", baseNames(crds)},
		{"files/rbac", "config/rbac", []string{"role.yaml"}},
		{"files/webhook", "config/webhook", []string{"manifests.yaml"}},
		{"files/admission", "config/admission", admission},
	} {
		t.Run(tc.chartDir, func(t *testing.T) {
			entries, err := os.ReadDir(filepath.Join(chartDir(), tc.chartDir))
			if err != nil {
				t.Fatal(err)
			}
			var have []string
			for _, e := range entries {
				have = append(have, e.Name())
			}
			want := slices.Sorted(slices.Values(tc.files))
			fix := "rm -r charts/support-access-operator/" + tc.chartDir + " && mkdir charts/support-access-operator/" + tc.chartDir
			for _, f := range want {
				fix += " && cp " + tc.configDir + "/" + f + " charts/support-access-operator/" + tc.chartDir + "/"
			}
			if !slices.Equal(have, want) {
				t.Fatalf("%s has %v, config/ has %v: %s", tc.chartDir, have, want, fix)
			}
			for _, f := range want {
				a, err := os.ReadFile(filepath.Join(chartDir(), tc.chartDir, f))
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(repoPath(tc.configDir, f))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Errorf("%s/%s differs from %s/%s: %s", tc.chartDir, f, tc.configDir, f, fix)
				}
			}
		})
	}
}

// kustomizationResources are the file resources of a kustomization directory.
func kustomizationResources(t testing.TB, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Resources) == 0 {
		t.Fatalf("%s lists no resources", dir)
	}
	return k.Resources
}

func baseNames(paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	return out
}
