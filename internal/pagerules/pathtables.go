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

// Lookup tables for CanonicalPath, built once so the per-byte work on the hot path is one load.
var (
	// rawPlain marks the bytes that need no attention when they appear unencoded in a path.
	rawPlain [256]bool
	// rawRefusal is the error for each byte that must not appear unencoded. The bytes with
	// structure (/, %, ?, #) are neither plain nor refused: CanonicalPath handles them itself.
	rawRefusal [256]error
	// encodedRefusal is the error for each byte that must not appear percent-encoded.
	encodedRefusal [256]error
	// unhex is a hex digit's value, or 0xff for a byte that is not one.
	unhex [256]byte
)

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case b < 0x20 || b == 0x7f:
			rawRefusal[c] = errControl
		case b == ' ':
			rawRefusal[c] = errSpace
		case b >= 0x80:
			rawRefusal[c] = errNonASCII
		case b == '\\':
			rawRefusal[c] = errBackslash
		case b == ';':
			rawRefusal[c] = errSemicolon
		case b == '/' || b == '%' || b == '?' || b == '#':
			// structural, handled by CanonicalPath
		default:
			rawPlain[c] = true
		}

		switch {
		case b == '/':
			encodedRefusal[c] = errEncodedSlash
		case b == '\\':
			encodedRefusal[c] = errEncodedBackslash
		case b == '.':
			encodedRefusal[c] = errEncodedDot
		case b == '%':
			encodedRefusal[c] = errEncodedPercent
		case b == ';':
			encodedRefusal[c] = errEncodedSemicolon
		case b < 0x20 || b == 0x7f:
			encodedRefusal[c] = errEncodedControl
		case isUnreserved(b):
			encodedRefusal[c] = errEncodedUnreserved
		}

		switch {
		case '0' <= b && b <= '9':
			unhex[c] = b - '0'
		case 'a' <= b && b <= 'f':
			unhex[c] = b - 'a' + 10
		case 'A' <= b && b <= 'F':
			unhex[c] = b - 'A' + 10
		default:
			unhex[c] = 0xff
		}
	}
}

// isUnreserved reports whether b is an RFC 3986 unreserved character other than the dot (which
// has its own refusal): a canonical URI never percent-encodes these, and an app decodes /m%65ssages
// to /messages.
func isUnreserved(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		b == '-' || b == '_' || b == '~'
}
