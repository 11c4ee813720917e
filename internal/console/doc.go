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

// Package console is the account admin's web page, the help pages' "Customer support access"
// screen (docs/console.md): generate credentials, copy them, renew and revoke grants, end sessions and
// set the account's inactivity logout, with a live view of it all.
//
// The console has no privileges of its own. Every read and write goes to kube-apiserver with the
// credentials of the user who sent the request, so RBAC decides what each admin may do, and what
// RBAC refuses is disabled (a SelfSubjectAccessReview) or shown as the page's error. Two modes
// decide whose credentials those are:
//   - Loopback (kubectl supportaccess console): the user's kubeconfig, on a loopback port that
//     only a browser holding the one-time start token's cookie may use;
//   - BearerTokens (the manager's --console-bind-address): the bearer token the platform's SSO
//     proxy passes in the Authorization header, on a client built from rest.AnonymousClientConfig,
//     so none of the manager's own credentials can ride along.
//
// Pages are html/template, with an embedded stylesheet and script under a strict CSP; state
// changes are POST only, behind net/http's CrossOriginProtection. docs/console.md is the guide.
package console
