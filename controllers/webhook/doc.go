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

// Package webhook holds the admission webhooks (defaulting and validation) of both kinds, so that
// api/ stays free of controller-runtime logic.
package webhook

// +kubebuilder:webhook:path=/mutate-supportaccess-io-v1alpha1-supportaccessgrant,mutating=true,failurePolicy=fail,sideEffects=None,groups=supportaccess.io,resources=supportaccessgrants,verbs=create;update,versions=v1alpha1,name=msupportaccessgrant-v1alpha1.supportaccess.io,admissionReviewVersions=v1
// +kubebuilder:webhook:path=/validate-supportaccess-io-v1alpha1-supportaccessgrant,mutating=false,failurePolicy=fail,sideEffects=None,groups=supportaccess.io,resources=supportaccessgrants,verbs=create;update,versions=v1alpha1,name=vsupportaccessgrant-v1alpha1.supportaccess.io,admissionReviewVersions=v1
// +kubebuilder:webhook:path=/mutate-supportaccess-io-v1alpha1-accountsessionpolicy,mutating=true,failurePolicy=fail,sideEffects=None,groups=supportaccess.io,resources=accountsessionpolicies,verbs=create;update,versions=v1alpha1,name=maccountsessionpolicy-v1alpha1.supportaccess.io,admissionReviewVersions=v1
// +kubebuilder:webhook:path=/validate-supportaccess-io-v1alpha1-accountsessionpolicy,mutating=false,failurePolicy=fail,sideEffects=None,groups=supportaccess.io,resources=accountsessionpolicies,verbs=create;update,versions=v1alpha1,name=vaccountsessionpolicy-v1alpha1.supportaccess.io,admissionReviewVersions=v1
