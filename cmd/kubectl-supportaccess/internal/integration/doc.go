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

// Package integration tests the kubectl plugin against the real thing: a local control plane
// (internal/localcluster) whose kube-apiserver authenticates bearer tokens through the auth
// service, and the manager binary built from ./cmd. The account owners' and support staff's
// commands run in-process; kubectl itself runs the built plugin as its exec credential plugin.
// Its tests live in _test.go files; this file only names the package.
package integration
