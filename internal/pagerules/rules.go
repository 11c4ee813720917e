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
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// DataKey is the ConfigMap data key that holds the rules.
const DataKey = "rules.yaml"

// Limits on a rules file, so a mistaken or hostile ConfigMap cannot make every request slow.
const (
	MaxDataBytes   = 1 << 20
	MaxRules       = 1000
	MaxRegexLength = 1024
)

// document is the rules.yaml format:
//
//	rules:                      # first match wins, on the canonical path
//	- pathPrefix: /messages     # a whole segment: /messages and /messages/…, not /messagesx
//	  methods: [GET, POST]      # optional; all methods when absent
//	  accessLevel: Full
//	- pathRegex: '^/campaigns(/|$)'
//	  accessLevel: Full
//	default: Limited
type document struct {
	Rules   []ruleDocument `json:"rules"`
	Default AccessLevel    `json:"default"`
}

type ruleDocument struct {
	PathPrefix  *string     `json:"pathPrefix"`
	PathRegex   *string     `json:"pathRegex"`
	Methods     []string    `json:"methods"`
	AccessLevel AccessLevel `json:"accessLevel"`
}

// Parse reads a rules.yaml document into a Set. It is strict, because a rule the platform team
// mistyped would silently expose a page: unknown or mis-cased fields, duplicate keys, bad values
// and over-limit sizes are all refused, and errors name the rule and field
// (rules[3].pathRegex: invalid: ...).
func Parse(data []byte) (*Set, error) {
	if len(data) > MaxDataBytes {
		return nil, fmt.Errorf("%s: too large: %d bytes, at most %d", DataKey, len(data), MaxDataBytes)
	}
	if err := checkFieldNames(data); err != nil {
		return nil, err
	}
	var doc document
	if err := yaml.UnmarshalStrict(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", DataKey, err)
	}
	if doc.Default == "" {
		return nil, errors.New("default: required: Full or Limited")
	}
	if !validLevel(doc.Default) {
		return nil, fmt.Errorf("default: %q: must be Full or Limited", doc.Default)
	}
	if len(doc.Rules) > MaxRules {
		return nil, fmt.Errorf("rules: too many: %d, at most %d", len(doc.Rules), MaxRules)
	}
	set := &Set{def: doc.Default, rules: make([]rule, 0, len(doc.Rules))}
	for i := range doc.Rules {
		r, err := compileRule(&doc.Rules[i])
		if err != nil {
			return nil, fmt.Errorf("rules[%d]%w", i, err)
		}
		set.rules = append(set.rules, r)
	}
	return set, nil
}

// fieldError is an error about one field of a rule; Parse prefixes the rule index, so the whole
// reads rules[3].pathRegex: invalid: ....
type fieldError struct {
	field string // with its leading dot, or empty for the rule as a whole
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

func fieldErr(field, format string, args ...any) error {
	return &fieldError{field: field, err: fmt.Errorf(format, args...)}
}

// compileRule validates one rule and compiles it for matching.
func compileRule(d *ruleDocument) (rule, error) {
	var r rule
	switch {
	case d.PathPrefix != nil && d.PathRegex != nil:
		return r, fieldErr("", "pathPrefix and pathRegex are both set: use exactly one")
	case d.PathPrefix != nil:
		prefix, err := compilePrefix(*d.PathPrefix)
		if err != nil {
			return r, &fieldError{field: ".pathPrefix", err: err}
		}
		r.prefix, r.all = prefix, prefix == "/"
	case d.PathRegex != nil:
		re, lit, err := compileRegex(*d.PathRegex)
		if err != nil {
			return r, &fieldError{field: ".pathRegex", err: err}
		}
		r.re, r.reLiteral = re, lit
	default:
		return r, fieldErr("", "one of pathPrefix or pathRegex is required")
	}

	methods, err := compileMethods(d.Methods)
	if err != nil {
		return r, err
	}
	r.methods = methods

	switch {
	case d.AccessLevel == "":
		return r, fieldErr(".accessLevel", "required: Full or Limited")
	case !validLevel(d.AccessLevel):
		return r, fieldErr(".accessLevel", "%q: must be Full or Limited", d.AccessLevel)
	}
	r.level = d.AccessLevel
	return r, nil
}

// compilePrefix checks a pathPrefix and returns it in matching form (decoded, ASCII lower-case).
// It must be a canonical path itself, or it could never match a path CanonicalPath lets through.
func compilePrefix(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%q: must start with /", p)
	}
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("%q: must not contain ? or # (a path, not a URL)", p)
	}
	if len(p) > 1 && strings.HasSuffix(p, "/") {
		return "", fmt.Errorf("%q: must not end with / (it already covers the pages below)", p)
	}
	decoded, err := CanonicalPath(p)
	if err != nil {
		return "", fmt.Errorf("%q: not canonical: %w", p, err)
	}
	if !utf8.ValidString(decoded) {
		return "", fmt.Errorf("%q: decodes to invalid UTF-8", p)
	}
	return lowerASCIIString(decoded), nil
}
