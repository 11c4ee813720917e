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
	"regexp"
	"regexp/syntax"
	"unicode"
)

// errCaseSensitive refuses a pathRegex that turns case folding back off, e.g. (?-i)messages:
// /MESSAGES would then slip past a rule the app still applies to it.
var errCaseSensitive = errors.New("must not turn off case-insensitive matching with (?-i)")

// compileRegex checks a pathRegex (Go RE2 syntax) and compiles it case-insensitively.
func compileRegex(expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, errors.New("empty")
	}
	if len(expr) > MaxRegexLength {
		return nil, fmt.Errorf("too long: %d bytes, at most %d", len(expr), MaxRegexLength)
	}
	// Parse the expression as written first, so a syntax error quotes the operator's text and
	// not the (?i) prepended to it.
	if _, err := syntax.Parse(expr, syntax.Perl); err != nil {
		return nil, fmt.Errorf("invalid: %w", err)
	}
	folded := "(?i)" + expr
	tree, err := syntax.Parse(folded, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("invalid: %w", err)
	}
	if !foldsCase(tree) {
		return nil, errCaseSensitive
	}
	re, err := regexp.Compile(folded)
	if err != nil {
		return nil, fmt.Errorf("invalid: %w", err)
	}
	return re, nil
}

// foldsCase reports whether every literal and character class in re matches case-insensitively.
// The parser records the flags in force on each node; a literal without FoldCase is harmless only
// when none of its runes has another case (the parser turns [/] into such a literal).
func foldsCase(re *syntax.Regexp) bool {
	if re.Flags&syntax.FoldCase == 0 {
		switch re.Op {
		case syntax.OpLiteral:
			for _, r := range re.Rune {
				if unicode.SimpleFold(r) != r {
					return false
				}
			}
		case syntax.OpCharClass:
			return false
		}
	}
	for _, sub := range re.Sub {
		if !foldsCase(sub) {
			return false
		}
	}
	return true
}
