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

// NginxConfig renders the nginx.conf of c; c must be valid (Validate, which StartNginx calls). One
// process (master_process off, daemon off) with every path in c.Dir, so it runs as root and as any
// user without a user directive and without touching /var. Per route, a server on 127.0.0.1:<port>:
//
//   - /.supportaccess/ (the login page, logout) is proxied to the auth service as it is;
//   - everything else is checked with auth_request against /v1/forward-auth/<account>, with
//     X-Original-URI and X-Original-Method (the auth service's "original" header set) and the
//     client's headers, cookie included; a 2xx answer's identity headers replace the client's on
//     the request to the app.
//
// nginx's auth_request accepts only 2xx, 401 and 403 from the check; any other status, a redirect
// included, becomes a 500. So behind nginx the auth service answers a browser without a session
// with 401 and the login URL (rd encoded) in X-Supportaccess-Login-Url, which nginx turns into the
// 302 (GET, HEAD) or 303; a 401 without it stays a 401. A 403 keeps only its status in
// auth_request, so nginx asks the same question again as a plain proxied request and passes that
// answer, the auth service's page saying why, to the client.
func NginxConfig(c Config) string {
	return renderConfig(nginxTemplate, c)
}
