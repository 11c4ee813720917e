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

package security

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/supportaccess/support-access-operator/internal/e2esuite"
)

// The ballast of item 2: what one tenant admin can create in its namespace, with the operator's
// labels, to fill the manager's informer caches. Coarse and quick on purpose: test/tenantmemory
// measures the peak (VmHWM) precisely, with the objects there before the manager starts.
const (
	ballastSecrets     = 100
	ballastSecretBytes = 900 << 10
	// Every third ballast Secret has the credentials type, which the manager's cache does select.
	credentialsEvery  = 3
	ballastLeases     = 100
	ballastLeaseBytes = 200 << 10 // under the API's 256 KiB for all of an object's annotations
	// ballastBatch objects go to one kubectl create; ballastWorkers of those run at once.
	ballastBatch   = 10
	ballastWorkers = 2
	// ballastLabel marks the ballast, for whoever reads the cluster's state after a failure.
	ballastLabel = "security.test/ballast"
	// maxRSSGrowth is how much the manager's resident set may grow for ~110 MiB of ballast.
	maxRSSGrowth = 20 << 20
	// memorySettle is how long the manager gets, once the ballast exists, to receive and cache the
	// watch events before its RSS is read: a measurement period, not a synchronisation (nothing
	// the manager exposes says "all events processed").
	memorySettle = 3 * time.Second
)

// memoryExhaustion is item 2: ~90 MiB of labelled Secrets and ~20 MiB of session-labelled Leases
// with fat annotations, made by the tenant admin, must not reach the manager's memory. Before the
// fix the cache kept every labelled Secret whole (250 of 1 MiB OOM-killed both replicas).
func memoryExhaustion(t *testing.T, w *world) {
	ctx := t.Context()
	g := NewWithT(t)
	before := residentSet(g)
	began := time.Now()
	var objects []map[string]any
	secretData := strings.Repeat("A", ballastSecretBytes*4/3) // base64 of ~900 KiB
	for i := range ballastSecrets {
		secret := map[string]any{
			"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{
				"name":   fmt.Sprintf("ballast-%03d", i),
				"labels": map[string]string{"app.kubernetes.io/managed-by": "support-access-operator", "supportaccess.io/grant": "ballast", ballastLabel: "true"},
			},
			"type": "Opaque",
			"data": map[string]string{"junk": secretData},
		}
		if i%credentialsEvery == 0 {
			// The keys the manager reads, each far over any real value.
			third := secretData[:len(secretData)/3/4*4]
			secret["type"] = "supportaccess.io/credentials"
			secret["data"] = map[string]string{"password": third, "email": third, "loginURL": third}
		}
		objects = append(objects, secret)
	}
	annotation := strings.Repeat("x", ballastLeaseBytes)
	for i := range ballastLeases {
		sum := sha256.Sum256([]byte("ballast-" + strconv.Itoa(i)))
		objects = append(objects, map[string]any{
			"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
			"metadata": map[string]any{
				"name": "session-" + hex.EncodeToString(sum[:]),
				"labels": map[string]string{"app.kubernetes.io/managed-by": "support-access-operator",
					"supportaccess.io/component": "session", "supportaccess.io/grant": "ballast", ballastLabel: "true"},
				"annotations": map[string]string{"supportaccess.io/ballast": annotation},
			},
			"spec": map[string]any{"holderIdentity": "supportaccess:ballast@" + e2esuite.LoginDomain},
		})
	}
	// Left in place: the attacks that follow run with them there, and they go with the cluster.
	createAll(t, g, w.tenant, objects)
	created := time.Since(began)

	time.Sleep(memorySettle) // a measurement period; see memorySettle
	after := residentSet(g)
	t.Logf("manager RSS %d MiB before, %d MiB after %d Secrets of ~%d KiB and %d Leases of ~%d KiB (created in %s)",
		before>>20, after>>20, ballastSecrets, ballastSecretBytes>>10, ballastLeases, ballastLeaseBytes>>10, created.Round(100*time.Millisecond))
	g.Expect(after-before).To(BeNumerically("<=", maxRSSGrowth),
		"the manager's RSS grew by %d MiB for a tenant's labelled objects (over %d MiB): its caches keep what tenants write, and enough of them OOM-kill every replica",
		(after-before)>>20, maxRSSGrowth>>20)

	exited, err := env.Manager.Exited()
	g.Expect(exited).To(BeFalse(), "the manager exited under the ballast: %v", err)
	status, _ := authRequest(ctx, g, http.MethodGet, "/healthz", "")
	g.Expect(status).To(Equal(http.StatusOK), "the auth service stopped answering under the ballast")
}

// createAll creates objects in the attacker's namespace as u, ballastBatch to one kubectl create
// (not apply: its last-applied annotation would double each object past the API's size limit).
func createAll(t *testing.T, g Gomega, u kubeUser, objects []map[string]any) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fails []string
		work  = make(chan []map[string]any)
	)
	for range ballastWorkers {
		wg.Go(func() {
			for batch := range work {
				list, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": batch})
				if err != nil {
					panic(err) // maps of strings always encode
				}
				if r := kubectl(t.Context(), u, string(list), "create", "-n", attackerNamespace, "-f", "-", "-o", "name"); r.Err != nil {
					mu.Lock()
					fails = append(fails, r.String())
					mu.Unlock()
				}
			}
		})
	}
	for len(objects) > 0 {
		n := min(ballastBatch, len(objects))
		work <- objects[:n]
		objects = objects[n:]
	}
	close(work)
	wg.Wait()
	g.Expect(fails).To(BeEmpty(), "the tenant admin could not create its own objects in its namespace: the attack proves nothing")
}

// residentSet returns the manager's resident set (VmRSS), in bytes.
func residentSet(g Gomega) int64 {
	rss, _, err := env.Manager.Memory()
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "read the manager's /proc status (Linux only)")
	return rss
}
