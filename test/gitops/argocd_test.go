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

package gitops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// luaTimeout is how long Argo CD lets a health script run.
const luaTimeout = time.Second

// healthTests is Argo CD's health_test.yaml.
type healthTests struct {
	Tests []struct {
		HealthStatus struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"healthStatus"`
		InputPath string `json:"inputPath"`
	} `json:"tests"`
}

// kstatusFor is what kstatus must say of an object Argo CD calls healthy, progressing, and so on:
// both tools read the same conditions (docs/status.md).
var kstatusFor = map[string]status.Status{
	"Healthy":     status.CurrentStatus,
	"Suspended":   status.CurrentStatus, // waiting for its start time: nothing for the operator to do
	"Progressing": status.InProgressStatus,
	"Degraded":    status.FailedStatus,
}

// Every health_test.yaml of config/argocd, as Argo CD's own resource_customizations tests run
// them, and kstatus on the same objects.
func TestArgoCDHealthChecks(t *testing.T) {
	root := filepath.Join(testutil.RepoRoot(), "config", "argocd")
	for _, kind := range []string{"supportaccess.io/SupportAccessGrant", "supportaccess.io/AccountSessionPolicy"} {
		dir := filepath.Join(root, filepath.FromSlash(kind))
		script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		var tests healthTests
		readYAML(t, filepath.Join(dir, "health_test.yaml"), &tests)
		if len(tests.Tests) == 0 {
			t.Fatalf("%s: health_test.yaml has no tests", kind)
		}
		for _, tc := range tests.Tests {
			t.Run(kind+"/"+tc.InputPath, func(t *testing.T) {
				g := NewWithT(t)
				obj := map[string]any{}
				readYAML(t, filepath.Join(dir, tc.InputPath), &obj)
				got, err := argoHealth(string(script), obj)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(got).To(Equal(map[string]string{"status": tc.HealthStatus.Status, "message": tc.HealthStatus.Message}))

				want, ok := kstatusFor[tc.HealthStatus.Status]
				g.Expect(ok).To(BeTrue(), "a health status the operator's objects never have: %s", tc.HealthStatus.Status)
				if _, seen := obj["status"]; !seen {
					// kstatus cannot tell an object no controller has seen yet from one that needs no
					// controller, and calls it Current (docs/gitops.md); Argo CD's check waits.
					want = status.CurrentStatus
				}
				res, err := status.Compute(&unstructured.Unstructured{Object: obj})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(res.Status).To(Equal(want), "kstatus disagrees with Argo CD (%s): %s", tc.HealthStatus.Status, res.Message)
			})
		}
	}
}

// A script that runs away is stopped, as Argo CD stops it.
func TestArgoCDHealthTimeout(t *testing.T) {
	_, err := argoHealth("while true do end", map[string]any{})
	NewWithT(t).Expect(err).To(HaveOccurred())
}

// argoHealth runs a health script the way Argo CD runs a custom check from argocd-cm: without Lua's
// standard libraries but for package, base and table, with obj set, within luaTimeout; the result
// must be a table with a valid status.
func argoHealth(script string, obj map[string]any) (map[string]string, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), luaTimeout)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return nil, err
	}
	table, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("the script returned %s, not a table", l.Get(-1).Type())
	}
	out := map[string]string{}
	table.ForEach(func(k, v lua.LValue) { out[k.String()] = v.String() })
	switch out["status"] {
	case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
		return out, nil
	}
	return nil, fmt.Errorf("invalid health status %q", out["status"])
}

// toLua converts a decoded JSON value as Argo CD does (numbers to numbers, maps to tables).
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for key, item := range v {
			t.RawSetH(lua.LString(key), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Kubernetes' JSON decoding: whole numbers as int64, as the API machinery (and kstatus) wants.
	if err := utiljson.Unmarshal(js, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// The argocd-cm patch users apply holds the tested scripts, unchanged.
func TestArgoCDConfigMapHoldsTheScripts(t *testing.T) {
	g := NewWithT(t)
	root := filepath.Join(testutil.RepoRoot(), "config", "argocd")
	var cm struct {
		Data map[string]string `json:"data"`
	}
	readYAML(t, filepath.Join(root, "argocd-cm.yaml"), &cm)
	for _, kind := range []string{"SupportAccessGrant", "AccountSessionPolicy"} {
		script, err := os.ReadFile(filepath.Join(root, "supportaccess.io", kind, "health.lua"))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(cm.Data).To(HaveKeyWithValue("resource.customizations.health.supportaccess.io_"+kind, string(script)),
			"config/argocd/argocd-cm.yaml is out of date for %s: regenerate it from the health.lua files", kind)
	}
}
