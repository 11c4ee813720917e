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
	"regexp"
	"unicode/utf8"
)

// Set is a parsed, immutable rule set: safe to share between goroutines without a lock, so a
// Watcher can swap a new one in while requests are matched against the old.
type Set struct {
	rules []rule
	def   AccessLevel
}

// rule is one compiled entry of the rules list.
type rule struct {
	prefix string         // decoded, ASCII letters lower-cased; used when re is nil
	all    bool           // the prefix is "/", which covers every path
	re     *regexp.Regexp // compiled with (?i); nil for a prefix rule
	// reLiteral is what every match of re starts with (anchoredLiteral), or "".
	reLiteral string
	methods   []string // upper-case tokens; nil means every method
	level     AccessLevel
}

// failClosed is the set in force before any rules were loaded: no rules, every page needs Full.
var failClosed = &Set{def: Full}

// FailClosed returns the set used when no rules were ever loaded: every page needs Full, so a
// Limited session sees nothing until the platform team's rules say which pages are safe.
func FailClosed() *Set { return failClosed }

// Len is the number of rules in the set (0 for FailClosed).
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Required returns the access level a session needs for method on path, where path is the output
// of CanonicalPath and method the original request's (an empty method matches only rules without
// methods, so the caller should refuse a request whose method the gateway did not report). The
// first matching rule wins; with none, the set's default applies. A nil Set answers Full, failing
// closed. It does not allocate.
func (s *Set) Required(method, path string) AccessLevel {
	if s == nil {
		return Full
	}
	for i := range s.rules {
		r := &s.rules[i]
		if r.matchesMethod(method) && r.matchesPath(path) {
			return r.level
		}
	}
	return s.def
}

func (r *rule) matchesMethod(method string) bool {
	if r.methods == nil {
		return true
	}
	for _, m := range r.methods {
		if equalFoldMethod(method, m) {
			return true
		}
	}
	return false
}

// matchesPath matches a regex anywhere the expression allows, and a prefix on a segment boundary:
// /messages covers /messages, /messages/42 and /messages.json (Rails and Spring route a format
// suffix to the same page; IIS drops a trailing dot or space), but not /messagesx or /messages-old,
// whose next byte continues the segment's name.
func (r *rule) matchesPath(path string) bool {
	if r.re != nil {
		if r.reLiteral != "" {
			if _, ok := foldPrefixLen(path, r.reLiteral); !ok {
				return false
			}
		}
		return r.re.MatchString(path)
	}
	if r.all {
		return true
	}
	n, ok := foldPrefixLen(path, r.prefix)
	return ok && (n == len(path) || !continuesName(path[n]))
}

// continuesName reports whether byte c, following a prefix, makes the segment a different name:
// an ASCII letter, digit, -, _ or ~, or a byte of a non-ASCII character.
func continuesName(c byte) bool {
	return isUnreserved(c) || c >= utf8.RuneSelf
}
