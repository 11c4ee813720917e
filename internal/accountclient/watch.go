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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// WatchGrants watches the grants of namespace. Without a resourceVersion kube-apiserver starts
// with an ADDED event for each existing grant, so a watcher that only re-reads on events needs no
// list of its own.
func (c *Client) WatchGrants(ctx context.Context, namespace string) (watch.Interface, error) {
	return c.watch(ctx, namespace, ResourceGrants)
}

// WatchPolicies watches the AccountSessionPolicies of namespace, from their current state.
func (c *Client) WatchPolicies(ctx context.Context, namespace string) (watch.Interface, error) {
	return c.watch(ctx, namespace, ResourcePolicies)
}

func (c *Client) watch(ctx context.Context, namespace, resource string) (watch.Interface, error) {
	return c.api.Get().Namespace(namespace).Resource(resource).
		VersionedParams(&metav1.ListOptions{Watch: true}, metav1.ParameterCodec).
		Watch(ctx)
}
