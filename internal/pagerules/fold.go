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
	"unicode"
	"unicode/utf8"
)

// Case folding for the matcher. Paths compare case-insensitively because many apps route /Messages
// like /messages; the comparison folds the same way Go's (?i) regexps do (Unicode simple folding),
// so a prefix rule and a regex rule never disagree about a path such as /meſſages (U+017F folds
// to s). The common all-ASCII case takes a fast path without decoding runes.

// lowerASCII lower-cases an ASCII letter and leaves every other byte alone.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// lowerASCIIString lower-cases the ASCII letters of s, leaving other bytes (and so UTF-8) intact.
func lowerASCIIString(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return string(b)
}

// foldPrefixLen reports whether s begins with prefix under case folding and, if so, how many bytes
// of s the prefix covered (which differs from len(prefix) when a rune folds to one of another
// width, like the Kelvin sign and k). prefix must be valid UTF-8 with its ASCII letters lower-case.
func foldPrefixLen(s, prefix string) (int, bool) {
	for i := 0; i < len(prefix); i++ {
		if i >= len(s) {
			return 0, false
		}
		p, c := prefix[i], s[i]
		if p >= utf8.RuneSelf || c >= utf8.RuneSelf {
			return foldPrefixLenRunes(s, prefix, i)
		}
		if lowerASCII(c) != p {
			return 0, false
		}
	}
	return len(prefix), true
}

// foldPrefixLenRunes is foldPrefixLen's rune-by-rune continuation from byte i, where both strings
// are at a rune boundary (everything before was ASCII).
func foldPrefixLenRunes(s, prefix string, i int) (int, bool) {
	j := i
	for k := i; k < len(prefix); {
		if j >= len(s) {
			return 0, false
		}
		pr, pw := utf8.DecodeRuneInString(prefix[k:])
		sr, sw := utf8.DecodeRuneInString(s[j:])
		if sr == utf8.RuneError && sw == 1 {
			return 0, false // an invalid byte in the path matches nothing in a valid prefix
		}
		if pr != sr && !foldEqual(pr, sr) {
			return 0, false
		}
		k += pw
		j += sw
	}
	return j, true
}

// foldEqual reports whether a and b are in the same Unicode simple-folding orbit.
func foldEqual(a, b rune) bool {
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// equalFoldMethod reports whether method equals upper (an upper-case token) ignoring ASCII case.
func equalFoldMethod(method, upper string) bool {
	if len(method) != len(upper) {
		return false
	}
	for i := 0; i < len(method); i++ {
		c := method[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}
