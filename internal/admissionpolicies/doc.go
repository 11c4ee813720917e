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

// Package admissionpolicies installs the admission policies of config/admission (the default
// admission path, docs/validation.md) into a cluster without kustomize: make run-local, the
// end-to-end suite and the admission tests use the same files a deployment does, with the
// operator's namespace filled in where config/default's kustomization would put it.
package admissionpolicies
