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

package pagerules

import (
	"fmt"
	"slices"

	"sigs.k8s.io/yaml"
)

var (
	documentFields = []string{"rules", "default"}
	ruleFields     = []string{"pathPrefix", "pathRegex", "methods", "accessLevel"}
)

// checkFieldNames refuses any key that is not exactly a field of the format. UnmarshalStrict alone
// is not enough: encoding/json matches names case-insensitively, so "PathPrefix" next to
// "pathPrefix" would silently overwrite it, and "accesslevel" would pass for a typo-free file.
// Shapes other than maps are left to UnmarshalStrict, which reports them with types.
func checkFieldNames(data []byte) error {
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return nil // not a map: UnmarshalStrict reports it
	}
	if name := unknownField(top, documentFields); name != "" {
		return fmt.Errorf("%s: unknown field %q (fields: %v)", DataKey, name, documentFields)
	}
	rules, _ := top["rules"].([]any)
	for i, r := range rules {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		if name := unknownField(m, ruleFields); name != "" {
			return fmt.Errorf("rules[%d]: unknown field %q (fields: %v)", i, name, ruleFields)
		}
	}
	return nil
}

// unknownField returns the first key of m, in sorted order, that is not in known, or "".
func unknownField(m map[string]any, known []string) string {
	var unknown []string
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	slices.Sort(unknown)
	return unknown[0]
}
