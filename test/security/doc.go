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

// Package security is the end-to-end tenant-admin attack suite (docs/security.md#the-tenant-admin,
// issue 12): an account admin holding every verb on every resource of their own namespace, and
// nothing elsewhere, attacks the operator through kubectl and the real kube-apiserver, while a
// support user of another account keeps working.
//
// TestMain, through the harness it shares with test/e2e (internal/e2esuite), builds the manager,
// starts a local control plane (etcd, kube-apiserver authenticating bearer tokens through the
// manager's auth service, kube-controller-manager for ClusterRole aggregation and garbage
// collection), registers the admission webhooks and runs the manager as a child process, with
// --operator-namespace set to a namespace of its own (where the keyring Secret is). The tests then
// act as three people: the platform team (the admin kubeconfig), the tenant admin (a
// ServiceAccount token from the TokenRequest API, bound to a Role with `*` on `*` in namespace
// "attacker" only) and support staff of account "victim" (a session token from POST
// /v1/login, used as `kubectl --token`).
//
// Each attack of issue 12's items 1 to 5 is a subtest that must fail for the attacker, followed by
// a check that the victim's support user still logs in, is still who it was, and is still allowed
// in its account. At the end the suite checks that no password, session token or token hash it saw
// reached the manager's log, the control plane's log or the events.
//
// It needs the control-plane binaries of `make envtest` (or $KUBEBUILDER_ASSETS) and a Go
// toolchain; without them it fails rather than skips.
package security
