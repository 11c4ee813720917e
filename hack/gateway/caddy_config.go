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

// CaddyConfig renders the Caddyfile of c; c must be valid (Validate, which StartCaddy calls). Per
// route, one plain-HTTP site http://localhost:<port> (also under 127.0.0.1 and *.localhost) bound
// to loopback:
//
//   - /.supportaccess/* (the login page, logout) is proxied to the auth service as it is;
//   - everything else goes through forward_auth: GET /v1/forward-auth/<account> with
//     X-Forwarded-Method and X-Forwarded-Uri (the auth service's "forwarded" header set) and the
//     client's headers, cookie included. A 2xx answer replaces the client's identity headers with
//     the answer's and the app is proxied; any other answer (the 302/303 to the login page, 401,
//     400, the 403 page) goes back to the client as it is.
func CaddyConfig(c Config) string {
	return renderConfig(caddyTemplate, c)
}
