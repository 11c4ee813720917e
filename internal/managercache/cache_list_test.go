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
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// pagedSecrets serves n fat credentials Secrets a page at a time, as kube-apiserver does for a
// consistent LIST, and records the requests.
type pagedSecrets struct {
	n        int
	requests []metav1.ListOptions
	fail     error
}

func (p *pagedSecrets) list(_ context.Context, opts metav1.ListOptions) (k8sruntime.Object, error) {
	p.requests = append(p.requests, opts)
	if p.fail != nil && len(p.requests) == 2 {
		return nil, p.fail
	}
	start := 0
	if opts.Continue != "" {
		fmt.Sscanf(opts.Continue, "from-%d", &start)
	}
	end := min(start+int(opts.Limit), p.n)
	list := &corev1.SecretList{ListMeta: metav1.ListMeta{ResourceVersion: "42"}}
	if opts.Continue != "" {
		list.ResourceVersion = "" // only the first page's version counts
	}
	for i := start; i < end; i++ {
		list.Items = append(list.Items, corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s-%02d", i), Annotations: map[string]string{"big": strings.Repeat("a", 1<<10)}},
			Type:       supportaccessv1alpha1.SecretTypeCredentials,
			Data:       map[string][]byte{"junk": make([]byte, 1<<10), "email": []byte("e@x.test")},
		})
	}
	if end < p.n {
		list.Continue = fmt.Sprintf("from-%d", end)
	}
	return list, nil
}

func (p *pagedSecrets) lister() toolscache.ListerWatcher {
	return &toolscache.ListWatch{
		ListWithContextFunc: p.list,
		WatchFuncWithContext: func(_ context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			if ptr.Deref(opts.SendInitialEvents, false) {
				// As a kube-apiserver that cannot stream the initial list.
				return nil, apierrors.NewBadRequest("sendInitialEvents is not supported")
			}
			return watch.NewFake(), nil
		},
	}
}

func TestCachePagedList(t *testing.T) {
	_, _, transform := byObjectFor(t, &corev1.Secret{})
	for _, n := range []int{0, 1, listPageSize, 3*listPageSize + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := &pagedSecrets{n: n}
			lw := toolscache.ToListerWatcherWithContext(pagedList(p.lister(), transform))
			// What the reflector asks for at first: everything, from the watch cache.
			obj, err := lw.ListWithContext(context.Background(), metav1.ListOptions{ResourceVersion: "0", Limit: 500,
				LabelSelector: "a=b", FieldSelector: "type=x"})
			if err != nil {
				t.Fatal(err)
			}
			list := obj.(*corev1.SecretList)
			if len(list.Items) != n || list.Continue != "" || list.ResourceVersion != "42" {
				t.Fatalf("%d items, continue %q, resourceVersion %q; want %d, none, the first page's", len(list.Items), list.Continue, list.ResourceVersion, n)
			}
			for i, s := range list.Items {
				if s.Name != fmt.Sprintf("s-%02d", i) || s.Annotations != nil || len(s.Data) != 1 {
					t.Errorf("item %d: %s with %d annotations and data %v: want it in order and trimmed", i, s.Name, len(s.Annotations), keys(s.Data))
				}
			}
			if want := max(1, (n+listPageSize-1)/listPageSize); len(p.requests) != want {
				t.Errorf("%d requests, want %d", len(p.requests), want)
			}
			for i, r := range p.requests {
				if r.Limit != listPageSize || r.ResourceVersion != "" || r.ResourceVersionMatch != "" ||
					r.LabelSelector != "a=b" || r.FieldSelector != "type=x" || (i == 0) != (r.Continue == "") {
					t.Errorf("request %d: %+v: want a consistent read of one page, selectors kept", i, r)
				}
			}
		})
	}
}

func TestCachePagedListFails(t *testing.T) {
	_, _, transform := byObjectFor(t, &corev1.Secret{})
	p := &pagedSecrets{n: 3 * listPageSize, fail: errors.New("expired")}
	lw := toolscache.ToListerWatcherWithContext(pagedList(p.lister(), transform))
	if _, err := lw.ListWithContext(context.Background(), metav1.ListOptions{}); err == nil || err.Error() != "expired" {
		t.Errorf("got %v, want the second page's error: never a partial list", err)
	}
}

func TestCacheInformersListInPages(t *testing.T) {
	opts := Options()
	if opts.NewInformer == nil {
		t.Fatal("no NewInformer: LISTs would arrive whole")
	}
	p := &pagedSecrets{n: 2*listPageSize + 1}
	informer := opts.NewInformer(p.lister(), &corev1.Secret{}, 0, toolscache.Indexers{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go informer.RunWithContext(ctx)
	if !toolscache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		t.Fatal("no sync")
	}
	if got := len(informer.GetStore().List()); got != p.n {
		t.Errorf("%d objects cached, want %d", got, p.n)
	}
	if len(p.requests) < 3 || p.requests[0].Limit != listPageSize {
		t.Errorf("requests %+v: want pages of %d", p.requests, listPageSize)
	}
}

func TestCacheCollectsAfterDropping(t *testing.T) {
	gcs := func() uint32 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.NumGC
	}
	dropped.Store(0)
	before := gcs()
	collectIfMuchDropped(minCollectAfter / 2)
	if gcs() != before || dropped.Load() != minCollectAfter/2 {
		t.Fatalf("collected after %d bytes dropped", minCollectAfter/2)
	}
	collectIfMuchDropped(int(max(liveHeap(), minCollectAfter)))
	if gcs() == before || dropped.Load() != 0 {
		t.Errorf("no collection after %d bytes dropped (live heap %d)", dropped.Load(), liveHeap())
	}
	collectIfMuchDropped(0)
	collectIfMuchDropped(-5)
	if dropped.Load() != 0 {
		t.Errorf("nothing dropped counted as %d", dropped.Load())
	}
}
