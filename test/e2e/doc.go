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

// Package e2e is the end-to-end suite (`make test`, docs/reference.md#running-it): it drives the
// system the way its users do, with the real binaries. TestMain, through the harness it shares with
// test/security (internal/e2esuite), builds the manager, starts a local control plane (etcd,
// kube-apiserver authenticating bearer tokens through the manager's auth service,
// kube-controller-manager for garbage collection and ClusterRole aggregation) and runs the manager
// as a child process; the tests then use the pinned kubectl as the platform team and plain HTTP
// plus kubectl with a session token as support staff.
//
// It needs the control-plane binaries of `make envtest` (or $KUBEBUILDER_ASSETS) and a Go
// toolchain; without them it fails rather than skips, so a broken setup is never a green run.
package e2e
