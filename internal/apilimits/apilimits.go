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

// Package apilimits holds the limits kube-apiserver puts on what the operator writes, and the one
// way the operator shortens text to fit them: a write over a limit is refused whole, and an event
// or a condition message quoting a tenant's input (a regex, an error) can be long.
package apilimits

import "unicode/utf8"

// MaxEventNote is the longest note an events.k8s.io Event may have, in bytes.
const MaxEventNote = 1024

// Truncate cuts s to at most n bytes without splitting a UTF-8 character.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// TruncateMarked is Truncate with "…" at the end when it cut, within the same n bytes.
func TruncateMarked(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	return Truncate(s, n-len(ellipsis)) + ellipsis
}
