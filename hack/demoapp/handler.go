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

// Package demoapp is a small stand-in for the customer's SaaS web app, for the local tour
// (`make run-local`) and the browser tests: a gateway puts it behind the auth service's forward
// auth (docs/gateways.md), and every page shows the identity headers it received so that one can
// see what the gateway let through. It trusts those headers completely; keeping them honest is the
// gateway's job. Everything is server-rendered, embedded and same-origin, under a strict CSP.
package demoapp

import "net/http"

// Handler returns the demo app of one account (the tenant it serves, shown on every page):
//
//	/                redirects to /dashboard
//	/dashboard, /settings, /poll                 pages without personal data
//	/messages, /contacts, /campaigns, /inbox     the personal-data pages (Full access only)
//	POST /settings   pretends to save, 303 back: a state-changing request for the tests
//	/api/ping        {"ok":true}, polled by /poll in the background
//	/assets/{name}   the stylesheet, the poll script, the icon
//
// Anything else is 404; a known path with the wrong method is 405.
func Handler(account string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard", http.StatusFound)
	})
	for _, p := range pages {
		mux.HandleFunc("GET "+p.Path, func(w http.ResponseWriter, r *http.Request) {
			render(w, r, account, p)
		})
	}
	mux.HandleFunc("POST /settings", saveSettings)
	mux.HandleFunc("GET /api/ping", ping)
	mux.HandleFunc("GET /assets/{name}", serveAsset)
	return withSecurityHeaders(mux)
}
