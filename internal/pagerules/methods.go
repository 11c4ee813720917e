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
)

// compileMethods checks a rule's methods list and returns it ready for matching: nil when absent
// (every method). A listed GET brings HEAD with it, because HEAD is GET without the body (RFC 9110)
// and most frameworks route it to the GET handler: a rule guarding GET /messages must guard HEAD.
func compileMethods(methods []string) ([]string, error) {
	if methods == nil {
		return nil, nil
	}
	if len(methods) == 0 {
		return nil, fieldErr(".methods", "empty: omit the field to match every method")
	}
	out := make([]string, 0, len(methods)+1)
	for i, m := range methods {
		if !isUpperToken(m) {
			return nil, fieldErr(fmt.Sprintf(".methods[%d]", i),
				"%q: must be an upper-case HTTP method token (GET, POST, ...)", m)
		}
		if slices.Contains(out, m) {
			return nil, fieldErr(fmt.Sprintf(".methods[%d]", i), "%q: listed twice", m)
		}
		out = append(out, m)
	}
	if slices.Contains(out, "GET") && !slices.Contains(out, "HEAD") {
		out = append(out, "HEAD")
	}
	return out, nil
}

// isUpperToken reports whether m is an RFC 9110 token (tchar: letters, digits and
// !#$%&'*+-.^_`|~) without lower-case letters, the form every registered method takes.
func isUpperToken(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		switch {
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' ||
			c == '+' || c == '-' || c == '.' || c == '^' || c == '_' || c == '`' || c == '|' || c == '~':
		default:
			return false
		}
	}
	return true
}
