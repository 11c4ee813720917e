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
func printBannerWhenReady(stopping context.Context, m *managerProcess, cluster *localcluster.Cluster, o options, app *webApp) {
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
	appURL := ""
	if app != nil {
		appURL = app.url
	}
	fmt.Fprint(os.Stdout, banner(cluster, o, note, appURL))
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

func banner(cluster *localcluster.Cluster, o options, note, appURL string) string {
	var b strings.Builder
	rule := strings.Repeat("=", 100)
	fmt.Fprintln(&b, rule)
	fmt.Fprintf(&b, "Local control plane at %s, manager running.\n", cluster.Config.Host)
	b.WriteString(note)
	fmt.Fprintf(&b, "Control-plane logs: %s\n\n", filepath.Join(o.stateDir, "control-plane.log"))
	fmt.Fprintln(&b, "In another terminal (use the pinned kubectl, "+cluster.KubectlBinary()+"):")
	fmt.Fprintf(&b, "  export KUBECONFIG=%s\n", cluster.KubeconfigPath)
	pluginDir, err := filepath.Abs(filepath.Dir(o.plugin))
	if err != nil {
		pluginDir = filepath.Dir(o.plugin)
	}
	fmt.Fprintf(&b, "  export PATH=%s:%s:$PATH   # kubectl, and the kubectl supportaccess plugin\n", filepath.Dir(cluster.KubectlBinary()), pluginDir)
	if o.samples {
		auth := fmt.Sprintf("http://127.0.0.1:%d", o.authPort)
		support := fmt.Sprintf("kubectl --kubeconfig %s --token \"$TOKEN\"", filepath.Join(o.stateDir, tokenKubeconfig))
		fmt.Fprintln(&b, "\n  # 1. The customer grants support access (a Limited and a Full grant) and sets the idle logout:")
		fmt.Fprintf(&b, "  kubectl apply -f %s/\n", samplesDir)
		fmt.Fprintln(&b, "  kubectl get supportaccess -n acme")
		fmt.Fprintln(&b, "  kubectl describe sag -n acme ticket-4711")
		fmt.Fprintln(&b, "\n  # 2. \"Copy credentials\": the temporary login email and password:")
		fmt.Fprintln(&b, "  EMAIL=$(kubectl get secret -n acme ticket-4711-credentials -o jsonpath='{.data.email}' | base64 -d)")
		fmt.Fprintln(&b, "  PASSWORD=$(kubectl get secret -n acme ticket-4711-credentials -o jsonpath='{.data.password}' | base64 -d)")
		fmt.Fprintln(&b, "\n  # 3. Support staff log in and use the session token with kubectl:")
		fmt.Fprintf(&b, "  TOKEN=$(curl -s %s/v1/login -d \"{\\\"email\\\":\\\"$EMAIL\\\",\\\"password\\\":\\\"$PASSWORD\\\"}\" | sed -n 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/p')\n", auth)
		fmt.Fprintf(&b, "  %s auth whoami\n", support)
		fmt.Fprintf(&b, "  %s get pods -n acme      # allowed: Limited access reads workloads\n", support)
		fmt.Fprintf(&b, "  %s get secrets -n acme   # forbidden\n", support)
		fmt.Fprintf(&b, "  curl -s -H \"Authorization: Bearer $TOKEN\" %s/v1/session\n", auth)
		fmt.Fprintln(&b, "\n  # 4. Revoke with one step: Forbidden at once (binding deleted), Unauthorized once kube-apiserver's 10 s token cache passes:")
		fmt.Fprintln(&b, "  kubectl patch sag -n acme ticket-4711 --type merge -p '{\"spec\":{\"revoked\":true}}'")
		fmt.Fprintf(&b, "  %s get pods -n acme      # Forbidden now; after ~10 s: You must be logged in to the server (Unauthorized)\n", support)
		if appURL != "" {
			fmt.Fprintf(&b, "\n  # 5. In the browser: account acme's web app behind Caddy with forward auth (page rules: %s).\n", pageRulesManifest)
			fmt.Fprintln(&b, "  #    The Limited grant ticket-4711 was revoked in step 4; ticket-4712 is Full. Create a fresh Limited one:")
			fmt.Fprintln(&b, "  kubectl create -n acme -f - <<<'{\"apiVersion\":\"supportaccess.io/v1alpha1\",\"kind\":\"SupportAccessGrant\",\"metadata\":{\"name\":\"ticket-4713\"},\"spec\":{\"accessLevel\":\"Limited\"}}'")
			fmt.Fprintln(&b, "  kubectl get secret -n acme ticket-4713-credentials -o go-template='{{.data.email|base64decode}}{{\"\\n\"}}{{.data.password|base64decode}}{{\"\\n\"}}'")
			fmt.Fprintf(&b, "  #    Open %s/dashboard and log in with those: the dashboard and settings open, while\n", appURL)
			fmt.Fprintf(&b, "  #    %s/messages (and /contacts, /campaigns, /inbox) say \"This page needs Full access\".\n", appURL)
			fmt.Fprintln(&b, "  #    Log out (top right), log in with ticket-4712's credentials (Full): the PII pages open.")
			fmt.Fprintln(&b, "  kubectl get secret -n acme ticket-4712-credentials -o go-template='{{.data.email|base64decode}}{{\"\\n\"}}{{.data.password|base64decode}}{{\"\\n\"}}'")
			fmt.Fprintln(&b, "  #    Revoke it and click any link: the page says the support access has ended.")
			fmt.Fprintln(&b, "  kubectl patch sag -n acme ticket-4712 --type merge -p '{\"spec\":{\"revoked\":true}}'")
		}
		fmt.Fprintln(&b, "\n  # 6. The account admin's page, the help pages' \"Customer support access\" screen, acting as your kubeconfig's user:")
		fmt.Fprintln(&b, "  kubectl supportaccess console -n acme")
		fmt.Fprintln(&b, "  #    Open the link it prints. Generate credentials (Limited, 7 days), Copy credentials, Renew, Revoke;")
		fmt.Fprintln(&b, "  #    Session timeout: Edit, 1 hour, Save. A grant revoked with kubectl turns Revoked on the open page.")
	} else {
		fmt.Fprintln(&b, "  kubectl get supportaccess -A")
	}
	fmt.Fprintf(&b, "\nkube-apiserver authenticates bearer tokens through the manager's auth service at http://127.0.0.1:%d/tokenreview.\n", o.authPort)
	fmt.Fprintln(&b, "Ctrl-C stops the manager and the control plane.")
	fmt.Fprintln(&b, rule)
	return b.String()
}
