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

package demoapp

import (
	"net/http"
	"strings"
)

// identityHeaders are the headers a gateway copies from the auth service's forward-auth answer onto
// every request it lets through (docs/gateways.md#identity-headers). The app shows them on every
// page so that a person on the tour, or a browser test, can see exactly what the gateway told the
// app.
var identityHeaders = []string{
	"X-Supportaccess-User",
	"X-Supportaccess-Email",
	"X-Supportaccess-Account",
	"X-Supportaccess-Access-Level",
	"X-Supportaccess-Grant",
	"X-Supportaccess-Expires-At",
	"Remote-User",
}

// IdentityHeaders returns the names of the identity headers the app displays, in display order. It
// is a copy, so callers (the gateway configs' tests) may keep it.
func IdentityHeaders() []string {
	return append([]string(nil), identityHeaders...)
}

// identityRow is one row of the page's identity table.
type identityRow struct {
	Name string
	// ID is the cell's stable element id, "identity-" and the lower-cased header name.
	ID    string
	Value string
}

// identityRows reads the identity headers from the request exactly as received. The app trusts
// them completely: keeping them honest is the gateway's job, which is what the tests check. Several
// values are joined, so that a header a client smuggled in next to the gateway's shows up.
func identityRows(h http.Header) []identityRow {
	rows := make([]identityRow, 0, len(identityHeaders))
	for _, name := range identityHeaders {
		rows = append(rows, identityRow{
			Name:  name,
			ID:    "identity-" + strings.ToLower(name),
			Value: strings.Join(h.Values(name), ", "),
		})
	}
	return rows
}
