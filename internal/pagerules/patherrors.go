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

import "errors"

// ErrNotCanonical matches (errors.Is) every error CanonicalPath returns, so a caller can map them
// all to 400 without listing them.
var ErrNotCanonical = errors.New("path is not canonical")

// pathError is a constant error: returning one costs no allocation on the forward-auth hot path,
// and its short text is safe to show to the gateway's client.
type pathError string

func (e pathError) Error() string { return string(e) }

// Is makes every pathError match ErrNotCanonical.
func (e pathError) Is(target error) bool { return target == ErrNotCanonical }

// The refusals, one text each so a 400 tells the client what to fix.
const (
	errEmptyPath         pathError = "empty path"
	errNotAbsolute       pathError = "path does not start with /"
	errPathTooLong       pathError = "path too long"
	errDotSegment        pathError = "dot segment in path"
	errDoubleSlash       pathError = "doubled slash in path"
	errBackslash         pathError = "backslash in path"
	errSemicolon         pathError = "semicolon in path"
	errControl           pathError = "control character in path"
	errSpace             pathError = "unencoded space in path"
	errNonASCII          pathError = "unencoded non-ASCII byte in path"
	errBadEscape         pathError = "malformed percent-encoding in path"
	errEncodedSlash      pathError = "encoded slash in path"
	errEncodedBackslash  pathError = "encoded backslash in path"
	errEncodedDot        pathError = "encoded dot in path"
	errEncodedPercent    pathError = "encoded percent sign in path"
	errEncodedSemicolon  pathError = "encoded semicolon in path"
	errEncodedControl    pathError = "encoded control character in path"
	errEncodedUnreserved pathError = "needlessly encoded letter, digit, -, _ or ~ in path"
)
