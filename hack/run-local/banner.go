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

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

// managerReadyTimeout bounds the wait for the manager's /readyz before the banner is printed
// anyway: a manager that is slow or broken should not hide how to reach the cluster.
const managerReadyTimeout = 30 * time.Second

// printBannerWhenReady prints how to use the cluster once the manager reports ready, so that the
// banner comes after the manager's start-up logs instead of scrolling away under them.
func printBannerWhenReady(stopping context.Context, m *managerProcess, cluster *localcluster.Cluster, o options) {
	ready := waitReady(stopping, m, "http://"+healthAddress+"/readyz")
	if stopping.Err() != nil {
		return
	}
	select {
	case <-m.done:
		return
	default:
	}
	note := ""
	if !ready {
		note = fmt.Sprintf("  (the manager's http://%s/readyz has not answered OK within %s)\n", healthAddress, managerReadyTimeout)
	}
	fmt.Fprint(os.Stdout, banner(cluster, o, note))
}

// waitReady polls url until it answers 200, the manager exits, stopping ends or the timeout passes.
func waitReady(stopping context.Context, m *managerProcess, url string) bool {
	ctx, cancel := context.WithTimeout(stopping, managerReadyTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-m.done:
			return false
		case <-ticker.C:
		}
	}
}

func banner(cluster *localcluster.Cluster, o options, note string) string {
	var b strings.Builder
	rule := strings.Repeat("=", 100)
	fmt.Fprintln(&b, rule)
	fmt.Fprintf(&b, "Local control plane at %s, manager running.\n", cluster.Config.Host)
	b.WriteString(note)
	fmt.Fprintf(&b, "Control-plane logs: %s\n\n", filepath.Join(o.stateDir, "control-plane.log"))
	fmt.Fprintln(&b, "In another terminal (use the pinned kubectl, "+cluster.KubectlBinary()+"):")
	fmt.Fprintf(&b, "  export KUBECONFIG=%s\n", cluster.KubeconfigPath)
	fmt.Fprintf(&b, "  export PATH=%s:$PATH\n", filepath.Dir(cluster.KubectlBinary()))
	if o.samples {
		fmt.Fprintf(&b, "  kubectl apply -f %s/\n", samplesDir)
		fmt.Fprintln(&b, "  kubectl get supportaccess -n acme")
		fmt.Fprintln(&b, "  kubectl get secret -n acme ticket-4711-credentials -o jsonpath='{.data.password}' | base64 -d")
	} else {
		fmt.Fprintln(&b, "  kubectl get supportaccess -A")
	}
	fmt.Fprintf(&b, "\nkube-apiserver authenticates bearer tokens through the manager's auth service at http://127.0.0.1:%d/tokenreview.\n", o.authPort)
	fmt.Fprintln(&b, "Ctrl-C stops the manager and the control plane.")
	fmt.Fprintln(&b, rule)
	return b.String()
}
