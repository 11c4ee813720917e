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

// Package browser is the end-to-end suite of the browser side (docs/gateways.md, `make test`): support
// staff in a real headless Chromium, driven with chromedp, logging in to the customer's web app
// (hack/demoapp, in-process) behind a real gateway (Caddy, and nginx in one test) whose forward auth
// is the real manager binary, two replicas of it, against the local control plane of
// internal/e2esuite.
//
//	Chromium ──► Caddy :A ─┬─ /.supportaccess/* ──► manager replica 1 (--forward-auth-headers=forwarded)
//	             Caddy :B ─┤  forward_auth ────────► replica 1, route A for account A, route B for B
//	                       └─ demo app of A (or B)
//	Chromium ──► nginx :N ── auth_request ─────────► manager replica 2 (--forward-auth-headers=original)
//
// Both gateways listen on http://localhost:<port>, a secure context, so the __Host- cookie works
// over HTTP; cookies ignore the port, so a session made on route A is also sent to route B, which
// is what makes "another account's app answers 403" a real test.
//
// It needs Caddy ($CADDY, `make caddy`), Chromium ($CHROMIUM) and nginx ($NGINX, both `make
// browser-deps`); without one it fails, saying which command gets it, and never skips. With
// UPDATE_SCREENSHOTS=1 it rewrites the screenshots of docs/images; otherwise it writes them only
// to $ARTIFACTS, when set.
package browser
