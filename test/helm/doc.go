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

// Package helm tests the Helm chart charts/support-access-operator with Helm's Go SDK, without a
// helm binary: lint, client-only installs against Kubernetes 1.37 over a matrix of values files,
// values-schema refusals, the chart with default values against `kubectl kustomize config/default`
// (so the two installs cannot drift), the copies of generated files the chart carries, and every
// rendered object server-side dry-run applied against the real kube-apiserver, then installed,
// upgraded and uninstalled there by Helm.
//
// It is its own Go module, so that Helm's dependency tree stays out of the manager's; `make
// test-helm` (part of `make test`) runs it. It finds the control plane as the repository's other
// tests do: $KUBEBUILDER_ASSETS, else the newest bin/k8s/<version>. SAO_HELM_CHART_DIR points the
// tests at another copy of the chart (to prove a drift fails them).
package helm
