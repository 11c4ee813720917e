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

package tenantmemory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// What a tenant writes into their namespace (docs/reference.md#tenant-model: every verb on Secrets,
// Leases, RoleBindings and policies there), all labelled as the operator's.
const (
	junkSecrets = 300
	// junkCredentials of them have the credentials type, the rest are Opaque.
	junkCredentials  = 100
	junkLeases       = 300
	junkRoleBindings = 20
	junkPolicies     = 20
	// The API caps a Secret's data at 1 MiB and an object's annotations at 256 KiB.
	secretDataBytes = 1<<20 - 4<<10
	annotationBytes = 200 << 10
	junkOwnerRefs   = 200
	junkSubjects    = 5000
	createWorkers   = 8

	// The tenant model: a tenant can never grow the manager's memory by more than a few MiB. What the
	// manager keeps: the trimmed objects (~1 MiB here) and client-go's watch decoders' frame
	// buffers, which hold twice the largest object each watch has received until it restarts
	// (about 4 MiB here: Secrets 2 MiB, RoleBindings 1 MiB, Leases and policies less), whatever
	// the number of objects. Measured +5 to +7 MiB of heap in use (+5 MiB live).
	maxHeapGrowth = 10 << 20
	// The peak is set by garbage: decoding leaves about three times each object's size behind,
	// collected every few MiB the transforms drop (internal/managercache/cache_list.go), plus the objects in
	// flight. Measured +20 to +28 MiB; with the old cache several hundred MiB, and without the
	// collections +65 MiB. A collection after every object still leaves +11 MiB.
	maxPeakGrowth = 40 << 20

	eventually = 2 * time.Minute
	poll       = 100 * time.Millisecond
)

// TestTenantObjectsDoNotGrowManagerMemory measures a manager on a control plane where a tenant
// has written some 400 MiB of objects carrying the operator's labels (issue 12: 250 such 1 MiB
// Secrets got both replicas OOM-killed), against a baseline manager started on the same control
// plane before they existed. All run with the Deployment's GOMEMLIMIT and GOGC. The manager gets
// the tenant's objects in its initial list either streamed (client-go's default, where
// kube-apiserver serves it) or, from a kube-apiserver that cannot stream, by LIST.
func TestTenantObjectsDoNotGrowManagerMemory(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)

	began := time.Now()
	probe := createGrant(t, ns, "probe")
	m := startManager(t, "baseline")
	waitActive(t, probe)
	baseline, err := m.measure(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	m.stop(t)
	t.Logf("baseline manager (no tenant objects): %s; %s", baseline, time.Since(began).Round(time.Second))

	began = time.Now()
	g.Expect(createJunk(ctx, ns)).To(Succeed())
	t.Logf("tenant objects created in %s: %d Secrets of ~1 MiB (%d of the credentials type), %d Leases and %d RoleBindings "+
		"with ~%d KiB of annotations, %d RoleBindings with %d subjects, %d policies",
		time.Since(began).Round(time.Second), junkSecrets, junkCredentials, junkLeases, junkRoleBindings,
		annotationBytes>>10, junkRoleBindings, junkSubjects, junkPolicies)

	for _, tc := range []struct {
		name string
		env  []string
		// lists says whether the manager lists Secrets (or streams them in a watch).
		lists bool
	}{
		{name: "streamed", lists: false},
		// client-go's feature gates read KUBE_FEATURE_<name>.
		{name: "listed", env: []string{"KUBE_FEATURE_WatchListClient=false"}, lists: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			began := time.Now()
			listsBefore, err := secretLists(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			m := startManager(t, "tenant-"+tc.name, tc.env...)
			// The manager still does its job beside the tenant's objects.
			fresh := createGrant(t, ns, "probe-"+tc.name)
			waitActive(t, fresh)
			loaded, err := m.measure(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			m.stop(t)
			listsAfter, err := secretLists(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			t.Logf("manager with the tenant's objects, %s (%d LISTs of Secrets): %s; %s",
				tc.name, listsAfter-listsBefore, loaded, time.Since(began).Round(time.Second))
			g.Expect(listsAfter > listsBefore).To(Equal(tc.lists), "LISTs of Secrets: %d before, %d after", listsBefore, listsAfter)

			peak, heap := loaded.peakRSS-baseline.peakRSS, loaded.heapInUse-baseline.heapInUse
			t.Logf("growth from the tenant's objects, %s: peak RSS %s (limit %s), heap in use %s (limit %s), live heap %s",
				tc.name, signedMiB(peak), mib(maxPeakGrowth), signedMiB(heap), mib(maxHeapGrowth), signedMiB(loaded.heapLive-baseline.heapLive))
			g.Expect(peak).To(BeNumerically("<=", maxPeakGrowth), "peak RSS (VmHWM) grew by %s", signedMiB(peak))
			g.Expect(heap).To(BeNumerically("<=", maxHeapGrowth), "heap in use after a GC grew by %s", signedMiB(heap))
		})
	}
}

// secretLists returns how many LISTs of Secrets kube-apiserver has answered, from its metrics.
func secretLists(ctx context.Context) (int, error) {
	cs, err := kubernetes.NewForConfig(cluster.Config)
	if err != nil {
		return 0, err
	}
	raw, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, fmt.Errorf("kube-apiserver metrics: %w", err)
	}
	n := 0
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "apiserver_request_total{") && strings.Contains(line, `resource="secrets"`) &&
			strings.Contains(line, `verb="LIST"`) && strings.Contains(line, `group=""`) {
			_, v, _ := strings.Cut(line, "} ")
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			n += int(f)
		}
	}
	return n, nil
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenant-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func createGrant(t *testing.T, ns, name string) types.NamespacedName {
	t.Helper()
	grant := &supportaccessv1alpha1.SupportAccessGrant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       supportaccessv1alpha1.SupportAccessGrantSpec{Reason: "Ticket #12: memory"},
	}
	if err := k8s.Create(context.Background(), grant); err != nil {
		t.Fatal(err)
	}
	return client.ObjectKeyFromObject(grant)
}

// waitActive polls until the grant is Active with its credentials Secret in place.
func waitActive(t *testing.T, key types.NamespacedName) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		grant := &supportaccessv1alpha1.SupportAccessGrant{}
		g.Expect(k8s.Get(context.Background(), key, grant)).To(Succeed())
		g.Expect(grant.Status.Phase).To(Equal(supportaccessv1alpha1.GrantPhaseActive))
		secret := &corev1.Secret{}
		g.Expect(k8s.Get(context.Background(), types.NamespacedName{Namespace: key.Namespace, Name: grant.Status.SecretName}, secret)).To(Succeed())
	}, eventually, poll).Should(Succeed(), "grant %s Active", key)
}

// createJunk writes the tenant's objects, createWorkers at a time.
func createJunk(ctx context.Context, ns string) error {
	big := bytes.Repeat([]byte("x"), secretDataBytes)
	annotation := strings.Repeat("a", annotationBytes)
	labels := func(component string) map[string]string {
		l := map[string]string{
			supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
			supportaccessv1alpha1.LabelGrant:     "ghost",
			supportaccessv1alpha1.LabelComponent: component,
		}
		for i := range 20 {
			l[fmt.Sprintf("tenant.example.com/label-%02d", i)] = strings.Repeat("l", 63)
		}
		return l
	}
	var owners []metav1.OwnerReference
	for i := range junkOwnerRefs {
		owners = append(owners, metav1.OwnerReference{
			APIVersion: supportaccessv1alpha1.GroupVersion.String(), Kind: "SupportAccessGrant",
			Name: fmt.Sprintf("ghost-%03d", i), UID: types.UID(fmt.Sprintf("00000000-0000-0000-0000-%012d", i)),
		})
	}
	meta := func(name, component string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels(component),
			Annotations:     map[string]string{"tenant.example.com/blob": annotation},
			Finalizers:      []string{"tenant.example.com/keep"},
			OwnerReferences: owners}
	}

	var objects []func() client.Object
	for i := range junkSecrets {
		objects = append(objects, func() client.Object {
			s := &corev1.Secret{ObjectMeta: meta(fmt.Sprintf("junk-%03d", i), "credentials"), Type: corev1.SecretTypeOpaque,
				Data: map[string][]byte{"blob": big}}
			if i < junkCredentials {
				s.Type = supportaccessv1alpha1.SecretTypeCredentials
				// The password (hashed by the cache whatever its size), a key the cache keeps but
				// bounds, and one it does not keep.
				key := []string{supportaccessv1alpha1.SecretKeyPassword, supportaccessv1alpha1.SecretKeyEmail, "blob"}[i%3]
				s.Data = map[string][]byte{key: big}
			}
			return s
		})
	}
	holder := strings.Repeat("h", 16<<10)
	for i := range junkLeases {
		objects = append(objects, func() client.Object {
			m := meta(fmt.Sprintf("junk-%03d", i), "session")
			sum := sha256.Sum256([]byte(m.Name))
			// Under the operator's prefix, where the session package keeps its annotations.
			m.Annotations = map[string]string{"supportaccess.io/blob": annotation, "supportaccess.io/mac": hex.EncodeToString(sum[:])}
			return &coordinationv1.Lease{ObjectMeta: m, Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder,
				RenewTime: &metav1.MicroTime{Time: time.Now()}, LeaseDurationSeconds: ptr.To[int32](3600)}}
		})
	}
	subjects := make([]rbacv1.Subject, junkSubjects)
	for i := range subjects {
		subjects[i] = rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: fmt.Sprintf("tenant-user-%05d", i)}
	}
	for i := range junkRoleBindings {
		objects = append(objects, func() client.Object {
			return &rbacv1.RoleBinding{ObjectMeta: meta(fmt.Sprintf("junk-%03d", i), "rbac"),
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
				Subjects: subjects}
		})
	}
	for i := range junkPolicies {
		objects = append(objects, func() client.Object {
			m := meta(fmt.Sprintf("junk-%03d", i), "policy")
			m.Finalizers, m.OwnerReferences = nil, nil
			return &supportaccessv1alpha1.AccountSessionPolicy{ObjectMeta: m}
		})
	}
	return testutil.Parallel(len(objects), createWorkers, func(i int) error {
		obj := objects[i]()
		if err := k8s.Create(ctx, obj); err != nil {
			return fmt.Errorf("create %T %s: %w", obj, obj.GetName(), err)
		}
		return nil
	})
}
