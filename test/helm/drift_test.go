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
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// helmLabels are the labels the chart adds to every object by Helm's conventions
// (templates/_helpers.tpl, sao.helmLabels), and managed-by, which says kustomize in config/. The
// comparison ignores exactly these.
var helmLabels = []string{
	"helm.sh/chart",
	"app.kubernetes.io/managed-by",
	"app.kubernetes.io/instance",
	"app.kubernetes.io/version",
}

// helmAnnotationPrefixes are the annotations that are Helm's own (helm.sh/resource-policy on the
// CRDs; meta.helm.sh/* are added at install and never rendered).
var helmAnnotationPrefixes = []string{"helm.sh/", "meta.helm.sh/"}

// acceptedDifference is one way the chart's objects legitimately differ from config/'s. Each one
// checks that both sides are as expected before it makes them equal, so any other change to the
// same field still fails the comparison.
type acceptedDifference struct {
	// object is the objectKey it applies to; kinds, when set instead, are the kinds of every object it
	// applies to (on both sides).
	object string
	kinds  []string
	// what differs, and why that is right.
	what, why string
	// normalize checks chart and kustomize (either may be nil when the object is on one side only)
	// and makes them comparable.
	normalize func(chart, kustomize *unstructured.Unstructured) error
}

// deploymentKey is the manager's Deployment.
const deploymentKey = "Deployment.apps " + namespace + "/support-access-operator-controller-manager"

// acceptedDifferences is the complete list; docs/helm.md repeats it.
func acceptedDifferences(t testing.TB, appVersion string) []acceptedDifference {
	flags := managerFlags(t)
	return []acceptedDifference{
		{
			object: "Namespace -/" + namespace,
			what:   "the chart renders no Namespace",
			why: "Helm stores the release in its namespace, so the namespace exists before the chart's objects do " +
				"(helm install --create-namespace, or created beforehand with the Pod Security labels, docs/helm.md)",
			normalize: func(chart, kustomize *unstructured.Unstructured) error {
				if chart != nil || kustomize == nil {
					return fmt.Errorf("want the Namespace in config/default only")
				}
				return nil
			},
		},
		{
			object: deploymentKey,
			what:   "the manager's image",
			why: "config/default has the placeholder controller:latest that `make deploy IMG=...` replaces; the chart " +
				"defaults to the published image of its appVersion",
			normalize: func(chart, kustomize *unstructured.Unstructured) error {
				for _, side := range []struct {
					u    *unstructured.Unstructured
					want string
				}{
					{chart, "ghcr.io/supportaccess/support-access-operator:" + appVersion},
					{kustomize, "controller:latest"},
				} {
					c, err := onlyContainer(side.u)
					if err != nil {
						return err
					}
					if c["image"] != side.want {
						return fmt.Errorf("image %v, want %s", c["image"], side.want)
					}
					c["image"] = "<image>"
				}
				return nil
			},
		},
		{
			object: deploymentKey,
			what: "the manager's args are compared as the flags they set to other than their defaults (cmd/main.go), " +
				"whatever their order or repetition",
			why: "the chart names the limits and page-rules ConfigMaps in the release namespace explicitly " +
				"(--limits-configmap, --page-rules-configmap), where config/default relies on the flags' defaults, " +
				"which name the same ConfigMaps in support-access-system; the webhooks component turns " +
				"--disable-webhooks off by repeating it (--disable-webhooks=false), the chart by leaving it out",
			normalize: func(chart, kustomize *unstructured.Unstructured) error {
				for _, u := range []*unstructured.Unstructured{chart, kustomize} {
					c, err := onlyContainer(u)
					if err != nil {
						return err
					}
					eff, err := nonDefaultFlags(flags, args(c))
					if err != nil {
						return err
					}
					c["args"] = eff
				}
				return nil
			},
		},
		{
			object: "ConfigMap " + namespace + "/support-access-page-rules",
			what:   "rules.yaml is compared as the YAML it holds",
			why:    "the chart writes the rules of its values with toYaml; config/ writes them by hand, with comments",
			normalize: func(chart, kustomize *unstructured.Unstructured) error {
				for _, u := range []*unstructured.Unstructured{chart, kustomize} {
					text, _, _ := unstructured.NestedString(u.Object, "data", "rules.yaml")
					var parsed any
					if err := yaml.Unmarshal([]byte(text), &parsed); err != nil {
						return fmt.Errorf("rules.yaml: %w", err)
					}
					if parsed == nil {
						return fmt.Errorf("rules.yaml is empty")
					}
					if err := unstructured.SetNestedField(u.Object, map[string]any{"parsed": parsed}, "data"); err != nil {
						return err
					}
				}
				return nil
			},
		},
	}
}

// onlyContainer is the Deployment's one container, for editing in place.
func onlyContainer(u *unstructured.Unstructured) (map[string]any, error) {
	if u == nil {
		return nil, fmt.Errorf("missing")
	}
	spec, ok := u.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("no pod spec")
	}
	cs, _ := spec["containers"].([]any)
	if len(cs) != 1 {
		return nil, fmt.Errorf("%d containers, want 1", len(cs))
	}
	return cs[0].(map[string]any), nil
}

// withoutHelmMetadata removes what Helm's conventions add to an object (helmLabels,
// helmAnnotationPrefixes) and the empty maps left behind.
func withoutHelmMetadata(u *unstructured.Unstructured) {
	labels := u.GetLabels()
	for _, l := range helmLabels {
		delete(labels, l)
	}
	if len(labels) == 0 {
		unstructured.RemoveNestedField(u.Object, "metadata", "labels")
	} else {
		u.SetLabels(labels)
	}
	annotations := u.GetAnnotations()
	for a := range annotations {
		for _, p := range helmAnnotationPrefixes {
			if strings.HasPrefix(a, p) {
				delete(annotations, a)
			}
		}
	}
	if len(annotations) == 0 {
		unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
	} else {
		u.SetAnnotations(annotations)
	}
}

// diff lists the paths where a and b differ, with both values.
func diff(path string, a, b any) []string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		var out []string
		for _, k := range sortedKeys(keys) {
			out = append(out, diff(path+"."+k, av[k], bv[k])...)
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			break
		}
		var out []string
		for i := range av {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i])...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []string{fmt.Sprintf("%s: chart %s, config/ %s", path, short(a), short(b))}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// short is a value as compact JSON-ish text for a diff line.
func short(v any) string {
	if v == nil {
		return "<none>"
	}
	data, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(string(data))
	if strings.Contains(s, "\n") {
		return "\n    " + strings.ReplaceAll(s, "\n", "\n    ")
	}
	return s
}

// compareInstalls compares the chart's objects with config/'s after the accepted differences and
// returns what still differs.
func compareInstalls(t testing.TB, chart, kustomize manifest, accepted []acceptedDifference) []string {
	t.Helper()
	byKey := func(m manifest) map[string]*unstructured.Unstructured {
		out := map[string]*unstructured.Unstructured{}
		for _, u := range m {
			k := objectKey(u)
			if _, dup := out[k]; dup {
				t.Fatalf("%s rendered twice", k)
			}
			u = u.DeepCopy()
			withoutHelmMetadata(u)
			out[k] = u
		}
		return out
	}
	c, k := byKey(chart), byKey(kustomize)
	var problems []string
	for _, d := range accepted {
		objects := []string{d.object}
		if len(d.kinds) > 0 {
			objects = nil
			for key, u := range k {
				if slices.Contains(d.kinds, u.GetKind()) {
					objects = append(objects, key)
				}
			}
			for key, u := range c {
				if _, both := k[key]; !both && slices.Contains(d.kinds, u.GetKind()) {
					objects = append(objects, key)
				}
			}
		}
		for _, key := range objects {
			cu, ku := c[key], k[key]
			if cu == nil && ku == nil {
				continue // an object of another install
			}
			if err := d.normalize(cu, ku); err != nil {
				problems = append(problems, fmt.Sprintf("%s: accepted difference %q no longer holds: %v", key, d.what, err))
				continue
			}
			if cu == nil || ku == nil {
				delete(c, key)
				delete(k, key)
			}
		}
	}
	keys := map[string]bool{}
	for key := range c {
		keys[key] = true
	}
	for key := range k {
		keys[key] = true
	}
	for _, key := range sortedKeys(keys) {
		cu, ku := c[key], k[key]
		switch {
		case ku == nil:
			problems = append(problems, key+": rendered by the chart only")
		case cu == nil:
			problems = append(problems, key+": in config/ only")
		default:
			for _, d := range diff("", cu.Object, ku.Object) {
				problems = append(problems, key+" "+d)
			}
		}
	}
	return problems
}

// The chart with its default values renders the objects of `kubectl kustomize config/default`, and
// with the webhooks or the ServiceMonitor enabled, those of config/default with the webhooks
// component or config/prometheus enabled as the docs say: the same kinds, namespaces and names,
// the same contents, but for Helm's labels and the accepted differences above.
func TestChartMatchesKustomize(t *testing.T) {
	ch := loadChart(t)
	accepted := acceptedDifferences(t, ch.Metadata.AppVersion)
	for _, tc := range []struct {
		name string
		// values of the chart, and the lines of config/default/kustomization.yaml to uncomment.
		values    map[string]any
		uncomment []string
	}{
		{name: "default"},
		{
			name:      "webhooks",
			values:    map[string]any{"admission": map[string]any{"mode": "webhooks"}},
			uncomment: []string{"components:", "- ../components/webhooks"},
		},
		{
			name:      "prometheus",
			values:    map[string]any{"serviceMonitor": map[string]any{"enabled": true}},
			uncomment: []string{"- ../prometheus"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := repoPath("config", "default")
			if len(tc.uncomment) > 0 {
				dir = configCopy(t, tc.uncomment...)
			}
			kustomize := kubectlKustomize(t, dir)
			chart, _ := mustRender(t, ch, tc.values, defaultTarget)
			if problems := compareInstalls(t, chart, kustomize, accepted); len(problems) > 0 {
				t.Errorf("the chart (%s) and config/ differ (fix the chart, or add an accepted difference with its reason):\n%s",
					chartDir(), strings.Join(problems, "\n"))
			}
		})
	}
}

// The comparison has teeth: a changed field, an extra object and a missing one each fail it.
func TestCompareInstallsFindsDrift(t *testing.T) {
	ch := loadChart(t)
	accepted := acceptedDifferences(t, ch.Metadata.AppVersion)
	kustomize := kubectlKustomize(t, repoPath("config", "default"))
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"replicas", map[string]any{"manager": map[string]any{"replicas": 3}}, deploymentKey + " .spec.replicas: chart 3, config/ 2"},
		{"GOMEMLIMIT", map[string]any{"manager": map[string]any{"goMemLimit": map[string]any{"percentOfMemoryLimit": 50}}}, "env[0].value: chart 128MiB, config/ 110MiB"},
		{"a flag", map[string]any{"login": map[string]any{"domain": "support.example.com"}}, "login-domain: support.example.com"},
		{"an object less", map[string]any{"podDisruptionBudget": map[string]any{"enabled": false}}, "PodDisruptionBudget.policy " + namespace + "/support-access-operator-controller-manager: in config/ only"},
		{"an object more", map[string]any{"prometheusRule": map[string]any{"enabled": true}}, "rendered by the chart only"},
		{"a label", map[string]any{"manager": map[string]any{"podLabels": map[string]any{"team": "support"}}}, ".spec.template.metadata.labels.team: chart support"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chart, _ := mustRender(t, ch, tc.values, defaultTarget)
			problems := strings.Join(compareInstalls(t, chart, kustomize, accepted), "\n")
			if !strings.Contains(problems, tc.want) {
				t.Errorf("want a difference %q, got:\n%s", tc.want, problems)
			}
		})
	}
}
