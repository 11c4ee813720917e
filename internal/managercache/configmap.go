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

package managercache

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// WatchConfigMap feeds handler from a cache of the one ConfigMap key, apart from the manager's
// cache: the manager keeps no other ConfigMaps, and may read only those of its own namespace (a
// Role, config/rbac). The cache runs on every replica, which all serve. It returns when the
// handler has seen the ConfigMap's state at start.
func WatchConfigMap(ctx context.Context, mgr ctrl.Manager, key types.NamespacedName, handler toolscache.ResourceEventHandler) (toolscache.InformerSynced, error) {
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme:            mgr.GetScheme(),
		Mapper:            mgr.GetRESTMapper(),
		DefaultNamespaces: map[string]cache.Config{key.Namespace: {}},
		ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}: {Field: fields.OneTermEqualSelector("metadata.name", key.Name)},
		},
		DefaultTransform: cache.TransformStripManagedFields(),
	})
	if err != nil {
		return nil, fmt.Errorf("cache of ConfigMap %s: %w", key, err)
	}
	informer, err := c.GetInformer(ctx, &corev1.ConfigMap{})
	if err != nil {
		return nil, fmt.Errorf("informer of ConfigMap %s: %w", key, err)
	}
	reg, err := informer.AddEventHandler(handler)
	if err != nil {
		return nil, fmt.Errorf("watch ConfigMap %s: %w", key, err)
	}
	if err := mgr.Add(everyReplica{c}); err != nil {
		return nil, fmt.Errorf("add the cache of ConfigMap %s: %w", key, err)
	}
	return reg.HasSynced, nil
}

// everyReplica runs a cache on every replica: a cache built with ByObject does not say whether it
// needs leader election, and the manager then starts it on the leader only, leaving the other
// replicas on what they had before they read it.
type everyReplica struct{ cache.Cache }

// NeedLeaderElection implements manager.LeaderElectionRunnable.
func (everyReplica) NeedLeaderElection() bool { return false }
