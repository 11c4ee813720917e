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

// Package deploy tests the deploy manifests of config/ (`make deploy`,
// docs/reference.md#reliability) in both installs: config/default, whose admission is
// kube-apiserver's own policies (config/admission), and config/default with the webhooks component
// (config/components/webhooks) uncommented as docs/validation.md says, rendered from a copy of
// config/. It checks that both render; that the rendered objects are what a production install
// needs (two replicas with leader election, probes, resources, a restricted security context, TLS
// Services and cert-manager Certificates for the auth service and, with the component, the
// webhooks, a PodDisruptionBudget, NetworkPolicies, least-privilege RBAC, the support users'
// ClusterRoles by their exact names); that the admission policies are bound by their rendered
// names and read the limits ConfigMap the manager reads; that the manager runs with the webhooks
// off in the default and on, with their port and certificate, with the component; that
// kube-apiserver accepts both (`kubectl apply --dry-run=server` against a local control plane,
// cert-manager's kinds aside, their CRDs being absent; the restricted Pod Security Standard for the
// manager's pods; `make deploy` applied twice, as for an upgrade); and that the Dockerfile is
// multi-stage and ends in a static manager on distroless, as a non-root user.
//
// It needs the pinned kubectl, etcd and kube-apiserver of `make envtest` (or $KUBEBUILDER_ASSETS);
// without them it fails rather than skips.
package deploy
