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

// Package pagerules decides which pages of the SaaS web app a support session may see
// (docs/gateways.md#page-rules). The forward-auth endpoint canonicalises the original request path with
// CanonicalPath (answering 400 when it is not canonical, because the app could read it
// differently from the rules), then asks the current rule Set which access level the page needs.
// The rules come from a ConfigMap that a Watcher keeps loaded; until a good set has been loaded,
// every page needs Full (fail closed for Limited sessions).
//
// Matching errs towards over-blocking: paths and prefixes compare case-insensitively, so an app
// that routes /Messages like /messages cannot hand it to a Limited session.
package pagerules
