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
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/supportaccess/support-access-operator/hack/demoapp"
	"github.com/supportaccess/support-access-operator/hack/gateway"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

const (
	// operatorNamespace holds the page rules ConfigMap, as config/default installs it.
	operatorNamespace = "support-access-system"
	// pageRulesManifest is the shipped page rules (the four PII pages of the help text).
	pageRulesManifest = "config/manager/page_rules.yaml"
	pageRulesName     = "support-access-page-rules"
	// limitsManifest is the operator's limits (docs/reference.md#operator-limits), read by the
	// admission policies and the manager.
	limitsManifest = "config/manager/limits.yaml"
	limitsName     = "support-access-limits"
	// demoAccount is the samples' account, whose web app the gateway serves.
	demoAccount = "acme"
)

// applyPageRules installs the shipped page rules into the operator's namespace, as config/default
// applyOperatorConfig applies the shipped page rules and limits ConfigMaps into the operator's
// namespace, as config/default's kustomization puts them there.
func applyOperatorConfig(ctx context.Context, cluster *localcluster.Cluster) error {
	manifest := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + operatorNamespace + "\n"
	for _, path := range []string{pageRulesManifest, limitsManifest} {
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		manifest += "---\n" + strings.Replace(string(raw), "\n  namespace: system\n", "\n  namespace: "+operatorNamespace+"\n", 1)
	}
	cmd := cluster.Kubectl(ctx, "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(manifest)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kubectl apply the page rules and limits: %w\n%s", err, out)
	}
	logf("applied %s and %s into namespace %s", pageRulesManifest, limitsManifest, operatorNamespace)
	return nil
}

// webApp is the demo SaaS app of account acme behind a real Caddy with forward auth
// (docs/gateways.md#caddy-tested-here).
type webApp struct {
	server *http.Server
	caddy  *gateway.Process
	url    string
}

// startWebApp serves the demo app on a free loopback port and Caddy in front of it on appPort.
func startWebApp(ctx context.Context, o options) (*webApp, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the demo app: %w", err)
	}
	srv := &http.Server{Handler: demoapp.Handler(demoAccount), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logf("demo app: %v", err)
		}
	}()
	dir := filepath.Join(o.stateDir, "gateway")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("create gateway directory: %w", err)
	}
	caddy, err := gateway.StartCaddy(ctx, o.caddy, gateway.Config{
		Auth:   "127.0.0.1:" + strconv.Itoa(o.authPort),
		Routes: []gateway.Route{{Listen: "127.0.0.1:" + strconv.Itoa(o.appPort), Account: demoAccount, App: ln.Addr().String()}},
		Dir:    dir,
	})
	if err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("start Caddy: %w", err)
	}
	logf("demo web app of account %s behind Caddy at %s (Caddy's logs: %s)", demoAccount, caddy.URL(0), dir)
	return &webApp{server: srv, caddy: caddy, url: caddy.URL(0)}, nil
}

func (w *webApp) stop() {
	if err := w.caddy.Stop(); err != nil {
		logf("stop Caddy: %v", err)
	}
	_ = w.server.Close()
}
