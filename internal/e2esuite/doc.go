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

// Package e2esuite is the shared harness of the end-to-end suites (test/e2e, test/security): the
// system under test started once per test binary, the way users run it, and checked when it stops.
//
//   - The real manager binary, built from the working tree while the control plane starts (the two
//     take about as long, and neither needs the other), run as a child process.
//   - The real control plane (etcd, kube-apiserver, kube-controller-manager for garbage collection
//     and ClusterRole aggregation), with kube-apiserver authenticating bearer tokens through the
//     manager's auth service, as in production.
//   - The admission policies of config/admission, the default admission path, with the limits
//     ConfigMap they and the manager read; no admission webhook.
//   - The pinned kubectl, as the cluster admin or as anyone holding a token.
//   - The leak check: every password, session token and hash the tests saw is remembered, and none
//     may appear in the manager's log, the control plane's log or the events
//     (docs/reference.md#credentials-secret).
//
// A suite's TestMain is `os.Exit(e2esuite.Main(m, opts, func(s *e2esuite.Suite) { suite = s }))`;
// what differs between suites (the name on their output, an operator namespace of their own) is an
// Options field. Each suite keeps its own tests, helpers and assertions; this package holds only
// what they would otherwise both copy.
//
// It needs the control-plane binaries of `make envtest` (or $KUBEBUILDER_ASSETS) and a Go
// toolchain; without them a suite fails rather than skips, so a broken setup is never a green run.
package e2esuite
