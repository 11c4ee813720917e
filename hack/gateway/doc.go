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

// Package gateway starts a real gateway, Caddy or nginx, in front of the demo app and the auth
// service, for the local tour (`make run-local`) and the browser tests (docs/gateways.md). It
// renders each gateway's configuration from one Config, validates it with the gateway's own
// checker, runs the gateway in a process group of its own and waits until every route accepts
// connections.
//
// Per route the gateway sends the reserved prefix /.supportaccess/ (the login page) to the auth
// service and everything else through the auth service's forward auth for the route's account,
// copying the identity headers of its answer onto the request to the app. The configurations are
// the documented ones (docs/gateways.md) in miniature: what they get wrong, the tests here catch.
package gateway
