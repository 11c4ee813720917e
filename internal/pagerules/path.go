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

import "strings"

// MaxPathLength is the longest path (query excluded) CanonicalPath accepts, in bytes.
const MaxPathLength = 2048

// CanonicalPath takes the original request URI as a gateway reports it (X-Forwarded-Uri,
// X-Original-URI or Envoy's appended path, possibly with a ?query or #fragment) and returns the
// percent-decoded path the rules match on.
//
// It refuses any path that is not canonical: an app behind the gateway may normalise such a path
// (resolve dot segments, merge slashes, drop ;parameters, decode %2F or %6D) into a page the rules
// did not see, so the only safe answer is 400. Ordinary navigation never meets these refusals:
// browsers resolve dot segments and percent-encode spaces, controls and non-ASCII bytes.
// Percent-encodings a canonical URI may carry (%20, %C3%A9, %3F, ...) are accepted and decoded.
//
// The scan is one pass over a lookup table; a path without percent-encodings is returned as a
// substring of raw, without allocating. Every error matches ErrNotCanonical.
func CanonicalPath(raw string) (string, error) {
	if raw == "" {
		return "", errEmptyPath
	}
	if raw[0] != '/' {
		return "", errNotAbsolute
	}
	limit := min(len(raw), MaxPathLength+1)
	end := limit  // where the path ends: at ?, # or the end of raw
	segStart := 1 // index of the current segment's first byte
	escapes := 0  // number of %XX sequences
scan:
	for i := 1; i < limit; i++ {
		c := raw[i]
		if rawPlain[c] {
			continue
		}
		switch c {
		case '/':
			if i == segStart {
				return "", errDoubleSlash
			}
			if isDotSegment(raw[segStart:i]) {
				return "", errDotSegment
			}
			segStart = i + 1
		case '%':
			if i+2 >= len(raw) {
				return "", errBadEscape
			}
			hi, lo := unhex[raw[i+1]], unhex[raw[i+2]]
			if hi > 0xf || lo > 0xf {
				return "", errBadEscape
			}
			if err := encodedRefusal[hi<<4|lo]; err != nil {
				return "", err
			}
			escapes++
			i += 2
		case '?', '#':
			end = i // the rest is the query or fragment, which the rules do not look at
			break scan
		default:
			return "", rawRefusal[c]
		}
	}
	if end > MaxPathLength {
		return "", errPathTooLong
	}
	if isDotSegment(raw[segStart:end]) {
		return "", errDotSegment
	}
	if escapes == 0 {
		return raw[:end], nil
	}
	return decode(raw[:end], end-2*escapes), nil
}

// isDotSegment reports whether seg is "." or "..", which an app would resolve away.
func isDotSegment(seg string) bool {
	return seg == "." || seg == ".."
}

// decode percent-decodes path, which CanonicalPath has checked: every % starts a valid escape.
// size is the decoded length, so the result costs exactly one allocation.
func decode(path string, size int) string {
	var b strings.Builder
	b.Grow(size)
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '%' {
			c = unhex[path[i+1]]<<4 | unhex[path[i+2]]
			i += 2
		}
		b.WriteByte(c)
	}
	return b.String()
}
