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
	"reflect"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// How a tenant's objects reach the transforms of cache.go, and what they cost on the way. The
// figures are test/tenantmemory's: a manager started beside 400 MiB of a tenant's labelled objects
// (100 1-MiB credentials Secrets among them) against one started without, both with the
// Deployment's GOMEMLIMIT=110MiB and GOGC=200.
//
// client-go's reflector streams the initial list (the WatchListClient feature, on by default since
// client-go 1.35; kube-apiserver serves it in 1.32 and from 1.34 on, not in 1.33 nor before 1.32)
// and transforms each object as it is decoded, so the tenant's objects are never all in memory at
// once: the manager sends no LIST at all.
//
// A kube-apiserver that cannot stream makes the reflector fall back to a LIST at resourceVersion
// 0, which the watch cache serves whole, ignoring the page size: every object then arrived in one
// response, all decoded before any transform ran, and the manager peaked at +420 MiB. pagedList
// bounds that case to listPageSize objects at a time (+26 MiB).
//
// Either way decoding leaves garbage, about three times the size of each object (the raw frame
// twice, then the object), and under GOGC=200 the runtime lets garbage reach twice the live heap
// before it collects: the streamed objects lifted the peak by some 65 MiB, to GOMEMLIMIT. So the
// transforms count the bytes they drop and ask for a collection every few MiB
// (collectIfMuchDropped): +20 to +28 MiB. What remains is what is in flight, a couple of objects
// per watch being decoded, and client-go's watch decoders, which keep a frame buffer of twice the
// largest object each watch has received until it restarts (5 to 10 minutes): about 4 MiB here,
// at most twice the API's 1.5 MiB object limit per kind, whatever the number of objects.

// listPageSize is how many objects one LIST response may carry when kube-apiserver cannot stream:
// at the API's 1.5 MiB per object, a page is at most 6 MiB, decoded and trimmed before the next is
// asked for (16 per page peaked at +93 MiB, 8 at +54, 4 at +26). 10,000 grants' Secrets take
// 2,500 requests, a few seconds, and only on such a server.
const listPageSize = 4

// pagedListInformer returns a cache.Options.NewInformer that lists each kind of byObject with a
// transform through pagedList.
func pagedListInformer(byObject map[client.Object]cache.ByObject) func(toolscache.ListerWatcher, k8sruntime.Object, time.Duration, toolscache.Indexers) toolscache.SharedIndexInformer {
	transforms := map[reflect.Type]toolscache.TransformFunc{}
	for obj, o := range byObject {
		if o.Transform != nil {
			transforms[reflect.TypeOf(obj)] = o.Transform
		}
	}
	return func(lw toolscache.ListerWatcher, obj k8sruntime.Object, resync time.Duration, indexers toolscache.Indexers) toolscache.SharedIndexInformer {
		if transform, ok := transforms[reflect.TypeOf(obj)]; ok {
			lw = pagedList(lw, transform)
		}
		return toolscache.NewSharedIndexInformer(lw, obj, resync, indexers)
	}
}

// pagedList wraps lw so that a LIST (only made when kube-apiserver cannot stream) fetches
// listPageSize objects per request and transforms each page before asking for the next, returning
// the whole list in one piece as the reflector expects: its own pager would fall back to an
// unpaged list when a continue token expires. Pages need a consistent read (resourceVersion
// unset): the watch cache ignores the limit of a list at resourceVersion 0 and serves a list at any
// other version whole. A consistent read is never older than what the reflector asked for. Watches
// pass through, so lw still streams where it can.
func pagedList(lw toolscache.ListerWatcher, transform toolscache.TransformFunc) toolscache.ListerWatcher {
	inner := toolscache.ToListerWatcherWithContext(lw)
	return &toolscache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (k8sruntime.Object, error) {
			opts.ResourceVersion, opts.ResourceVersionMatch = "", ""
			opts.Limit, opts.Continue = listPageSize, ""
			var (
				list  k8sruntime.Object
				items []k8sruntime.Object
			)
			for {
				page, err := inner.ListWithContext(ctx, opts)
				if err != nil {
					return nil, err
				}
				if err := meta.EachListItem(page, func(o k8sruntime.Object) error {
					_, err := transform(o)
					return err
				}); err != nil {
					return nil, err
				}
				pageItems, err := meta.ExtractList(page)
				if err != nil {
					return nil, err
				}
				items = append(items, pageItems...)
				if list == nil {
					list = page // its resourceVersion is the snapshot every page is read at
				}
				pageMeta, err := meta.ListAccessor(page)
				if err != nil {
					return nil, err
				}
				if opts.Continue = pageMeta.GetContinue(); opts.Continue == "" {
					break
				}
			}
			if err := meta.SetList(list, items); err != nil {
				return nil, fmt.Errorf("assemble list: %w", err)
			}
			listMeta, _ := meta.ListAccessor(list)
			listMeta.SetContinue("")
			return list, nil
		},
		WatchFuncWithContext: inner.WatchWithContext,
	}
}

// minCollectAfter is how many bytes the transforms drop, at least, before they ask for a garbage
// collection; they wait for an eighth of the live heap if that is more. A collection costs about a
// pass over the live heap, so this keeps its cost within a few times that of decoding what was
// dropped, however large the heap; ordinary objects drop little more than their managed fields
// and seldom trigger one.
const minCollectAfter = 1 << 20

// dropped counts the bytes the transforms dropped since the last collection they asked for.
var dropped atomic.Int64

func collectIfMuchDropped(n int) {
	if n <= 0 || dropped.Add(int64(n)) < minCollectAfter {
		return
	}
	if dropped.Load() < liveHeap()/8 {
		return
	}
	if dropped.Swap(0) >= minCollectAfter {
		runtime.GC()
	}
}

// liveHeap returns the bytes of heap objects marked live by the last collection.
func liveHeap() int64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sample[0].Value.Uint64())
}
