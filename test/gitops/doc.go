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

// Package gitops tests what GitOps tools read from the operator's objects: the Argo CD health
// checks in config/argocd, run by the Lua interpreter Argo CD embeds (github.com/yuin/gopher-lua)
// with the libraries and timeout Argo CD gives a custom check, and kstatus (Flux) on the same
// objects, so that both tools agree (docs/gitops.md, docs/status.md).
package gitops
