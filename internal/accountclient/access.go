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

package accountclient

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Can asks kube-apiserver whether the client's user may do verb on resource of group in
// namespace (on the object name, when set): a SelfSubjectAccessReview, the same decision the
// request itself would get. A denial's reason is the authorizer's, often empty.
func (c *Client) Can(ctx context.Context, verb, group, resource, namespace, name string) (allowed bool, reason string, err error) {
	review, err := c.authz.SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: namespace, Verb: verb, Group: group, Resource: resource, Name: name,
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, "", fmt.Errorf("ask whether you may %s %s: %w", verb, resource, err)
	}
	return review.Status.Allowed, review.Status.Reason, nil
}

// WhoAmI returns the user name kube-apiserver sees the client's requests as (a
// SelfSubjectReview): what the console shows, so an admin knows whose permissions apply.
func (c *Client) WhoAmI(ctx context.Context) (string, error) {
	review, err := c.authn.SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("ask kube-apiserver who you are: %w", err)
	}
	return review.Status.UserInfo.Username, nil
}
