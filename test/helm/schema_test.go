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
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"
)

// values.schema.json refuses typos and wrong types before anything renders, and the templates
// refuse combinations the schema cannot express, each saying what is wrong; global (a parent
// chart's) is let in.
func TestValuesRefused(t *testing.T) {
	ch := loadChart(t)
	for _, tc := range []struct {
		name, values string
		// want is in the error; "" means the install works.
		want string
	}{
		{"a typo at the top", "replica: 3", "additional properties 'replica' not allowed"},
		{"a typo below", "manager: {replica: 3}", "at '/manager': additional properties 'replica' not allowed"},
		{"a typo in the resources", "manager: {resources: {limit: {memory: 1Gi}}}", "at '/manager/resources': additional properties 'limit' not allowed"},
		{"a typo in a page rule", "pageRules: {rules: [{pathprefix: /x, accessLevel: Full}]}", "additional properties 'pathprefix' not allowed"},
		{"replicas not a number", "manager: {replicas: two}", "at '/manager/replicas': got string, want integer"},
		{"no replica", "manager: {replicas: 0}", "at '/manager/replicas'"},
		{"a boolean as a string", `crd: {keep: "yes"}`, "at '/crd/keep': got string, want boolean"},
		{"an unknown admission mode", "admission: {mode: webhook}", "at '/admission/mode': value must be one of 'policies', 'webhooks'"},
		{"a grant cap that is no duration", `limits: {maxGrantDuration: "30 days"}`, "at '/limits/maxGrantDuration'"},
		{"a memory limit GOMEMLIMIT cannot follow", "manager: {resources: {limits: {memory: 1.5Gi}}}", "at '/manager/resources/limits/memory'"},
		{"an access level that does not exist", "pageRules: {rules: [{pathPrefix: /x, accessLevel: Admin}]}", "accessLevel': value must be one of"},
		{"an upper-case login domain", "login: {domain: Support.Example.com}", "at '/login/domain'"},
		{"an extra arg that is no flag", "manager: {extraArgs: [-v]}", "at '/manager/extraArgs/0'"},
		{"a metrics port out of range", "metrics: {port: 70000}", "at '/metrics/port'"},
		{"pprof off loopback", "manager: {pprofBindAddress: ':8082'}", "at '/manager/pprofBindAddress'"},
		{"a ServiceMonitor label that is no string", "serviceMonitor: {labels: {release: 1}}", "at '/serviceMonitor/labels/release': got number, want string"},
		{"webhooks without cert-manager or a CA", "admission: {mode: webhooks}\ncertManager: {enabled: false}", "needs admission.webhooks.caBundle"},
		{"a ServiceMonitor without metrics", "serviceMonitor: {enabled: true}\nmetrics: {enabled: false}", "serviceMonitor.enabled needs metrics.enabled"},
		{"replicas without leader election", "manager: {leaderElection: {enabled: false}}", "needs manager.leaderElection.enabled"},
		{"a parent's global values", "global: {imageRegistry: registry.example.com, anything: [1, 2]}", ""},
		{"a parent's dependency condition", "enabled: true", ""},
		{"no memory limit, so no GOMEMLIMIT", "manager: {resources: {limits: {memory: null}}}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			vals := map[string]any{}
			g.Expect(yaml.Unmarshal([]byte(tc.values), &vals)).To(Succeed())
			_, err := render(ch, vals, defaultTarget)
			if tc.want == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.want)))
			t.Logf("refused: %v", err)
		})
	}
}
