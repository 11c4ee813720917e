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

package gateway

// identityHeaders are the headers of the auth service's 200 answer that the gateway copies onto the
// request to the app (docs/gateways.md#identity-headers). The auth service always sends all of
// them, so copying replaces whatever a client sent; both gateways also drop a client's copy of one
// the answer lacks.
var identityHeaders = []string{
	"X-Supportaccess-User",
	"X-Supportaccess-Email",
	"X-Supportaccess-Account",
	"X-Supportaccess-Access-Level",
	"X-Supportaccess-Grant",
	"X-Supportaccess-Expires-At",
	"Remote-User",
}

// loginURLHeader is the header of the auth service's 401 answer that nginx redirects browsers to:
// nginx's auth_request passes only 2xx, 401 and 403 (anything else, a 302 included, becomes 500)
// and cannot URL-encode the return path itself, so the auth service hands it the finished login
// URL, `/.supportaccess/login?rd=<encoded original URI>`. Absent, the 401 stays a 401 (an API call).
const loginURLHeader = "X-Supportaccess-Login-Url"

// IdentityHeaders returns the names of the copied identity headers (a copy the caller may keep).
func IdentityHeaders() []string {
	return append([]string(nil), identityHeaders...)
}
