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

// compileRegex checks a pathRegex (Go RE2 syntax) and compiles it case-insensitively. It also
// returns the literal text every match must start the path with, when the expression is anchored
// at the start and begins with a literal (ASCII letters lower-cased, for foldPrefixLen), else "".
func compileRegex(expr string) (*regexp.Regexp, string, error) {
	re, tree, err := compileFolded(expr)
	if err != nil {
		return nil, "", err
	}
	return re, anchoredLiteral(tree), nil
}

// anchoredLiteral returns the literal that follows a leading ^ in tree (parsed with (?i)), or "".
// A path that does not start with it under case folding cannot match (the regex's (?i) folds
// literals by Unicode simple folding, as foldPrefixLen does), so the regex need not run: a cheap
// refusal on the forward-auth hot path, never a different answer (TestAnchoredLiteralNeverRefusesAMatch).
func anchoredLiteral(tree *syntax.Regexp) string {
	if tree.Op != syntax.OpConcat || len(tree.Sub) < 2 || tree.Sub[0].Op != syntax.OpBeginText {
		return ""
	}
	lit := tree.Sub[1]
	if lit.Op != syntax.OpLiteral || lit.Flags&syntax.FoldCase == 0 {
		return ""
	}
	return lowerASCIIString(string(lit.Rune))
}

// compileFolded is compileRegex without the literal.
func compileFolded(expr string) (*regexp.Regexp, *syntax.Regexp, error) {
	if expr == "" {
		return nil, nil, errors.New("empty")
	}
	if len(expr) > MaxRegexLength {
		return nil, nil, fmt.Errorf("too long: %d bytes, at most %d", len(expr), MaxRegexLength)
	}
	// Parse the expression as written first, so a syntax error quotes the operator's text and
	// not the (?i) prepended to it.
	if _, err := syntax.Parse(expr, syntax.Perl); err != nil {
		return nil, nil, fmt.Errorf("invalid: %w", err)
	}
	folded := "(?i)" + expr
	tree, err := syntax.Parse(folded, syntax.Perl)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid: %w", err)
	}
	if !foldsCase(tree) {
		return nil, nil, errCaseSensitive
	}
	re, err := regexp.Compile(folded)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid: %w", err)
	}
	return re, tree, nil
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
