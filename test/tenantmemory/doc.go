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

// Package tenantmemory holds the tenant model (docs/reference.md#tenant-model) to its word on
// memory: a tenant can never grow the manager's memory by more than a few MiB with objects of their
// own. An account admin may create any Secret, Lease and RoleBinding in their namespace, with the
// operator's labels and up to the API's size limits; the test fills a namespace with a few hundred
// MiB of such objects before the real manager binary starts, and compares its peak resident set and
// its live heap with a manager started on the same control plane without them.
//
// It is a package of its own so that its control plane, with some 400 MiB in etcd, slows no
// other suite. It needs the control-plane binaries of `make envtest` (or $KUBEBUILDER_ASSETS) and
// a Go toolchain; without them it fails rather than skips.
package tenantmemory
