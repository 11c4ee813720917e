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

package browser

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/supportaccess/support-access-operator/hack/demoapp"
	"github.com/supportaccess/support-access-operator/hack/gateway"
	"github.com/supportaccess/support-access-operator/internal/e2esuite"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

const (
	// operatorNamespace is the managers' --operator-namespace, where the page rules live.
	operatorNamespace = "support-access-system"
	// pageRulesName is the page rules' ConfigMap: the shipped sample, config/manager/page_rules.yaml.
	pageRulesName = "support-access-page-rules"
	// accountA and accountB are the two customer accounts (namespaces), each with its own app and
	// gateway route. Most tests log in to A; B is the other tenant.
	accountA = "browser-acme"
	accountB = "browser-globex"

	// consoleLoginURL is the managers' --login-url: where support logs in, as the console shows it.
	consoleLoginURL = "https://app.example.test/.supportaccess/login"
	// operatorMaxGrantDuration is the operator's limit (the limits ConfigMap's maxGrantDuration).
	operatorMaxGrantDuration = "336h"
	// eventually is the deadline of what the system does by itself (a reconcile, a watch event).
	eventually = 30 * time.Second
	// poll is how often such conditions are checked.
	poll = 100 * time.Millisecond
	// refusedAtOnce bounds how long a replica may take to refuse a session another replica ended:
	// one watch event, milliseconds normally.
	refusedAtOnce = 5 * time.Second
	// actionTimeout bounds one browser action (a navigation, a click and the page it loads, an
	// element to appear), so that a page that never comes fails its test with where it was.
	actionTimeout = 20 * time.Second
	// browserStartTimeout is generous: Chromium's first start on a cold, loaded CI machine.
	browserStartTimeout = 2 * time.Minute
	// viewportWidth and viewportHeight are every tab's viewport, small enough for the screenshots
	// of docs/images.
	viewportWidth, viewportHeight = 900, 640
)

var (
	// env is the system under test: control plane and the two manager replicas.
	env *e2esuite.Suite
	// web is what the browser talks to: the demo apps, the gateways and the browser itself.
	web *rig
	// rigErr is why web could not start; every test fails with it.
	rigErr error
	// consoleAddr is where replica 1 serves the console in its in-cluster mode (127.0.0.1:port).
	consoleAddr string
)

// TestMain starts the control plane and two manager replicas (internal/e2esuite) with the shipped
// page rules, then the demo apps, Caddy, nginx and Chromium, runs the tests and stops everything.
// Replica 1 reads the "forwarded" header set (Caddy, and kube-apiserver's token webhook); replica 2
// the "original" one, for nginx.
func TestMain(m *testing.M) {
	// A missing program fails the run at once, before the control plane starts for nothing.
	bins, err := findBinaries()
	if err != nil {
		fmt.Fprintf(os.Stderr, "browser: %v\n", err)
		os.Exit(1)
	}
	rules, err := pageRulesManifest()
	if err != nil {
		fmt.Fprintf(os.Stderr, "browser: %v\n", err)
		os.Exit(1)
	}
	// Replica 1 also serves the console in its in-cluster mode, as behind an SSO proxy.
	if consoleAddr, err = managerproc.FreeAddress(); err != nil {
		fmt.Fprintf(os.Stderr, "browser: %v\n", err)
		os.Exit(1)
	}
	opts := e2esuite.Options{
		Name:              "browser",
		OperatorNamespace: operatorNamespace,
		Replicas:          2,
		ManagerArgs: []string{
			"--page-rules-configmap", operatorNamespace + "/" + pageRulesName,
			// Every login arrives from the gateway: without this, every browser would share one
			// failed-login throttle (docs/gateways.md#trusted-proxies).
			"--auth-trusted-proxies", "127.0.0.1/32",
			// Copied into the credentials Secrets, so the console shows and copies it.
			"--login-url", consoleLoginURL,
		},
		// Below the 30 days the console offers: admission refuses that choice (docs/console.md).
		MaxGrantDuration: operatorMaxGrantDuration,
		ReplicaArgs: [][]string{
			{"--forward-auth-headers", "forwarded", "--console-bind-address", consoleAddr},
			{"--forward-auth-headers", "original"},
		},
		// Before the managers start, so that the rules are in force when they first answer.
		Manifests: []string{rules, namespaceManifest(accountA), namespaceManifest(accountB)},
	}
	code := e2esuite.Main(m, opts, func(s *e2esuite.Suite) {
		env = s
		web, rigErr = startRig(s, bins)
		if rigErr != nil {
			fmt.Fprintf(os.Stderr, "browser: %v\n", rigErr)
		}
	})
	if web != nil {
		if err := web.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "browser: %v\n", err)
			code = 1
		}
		if code != 0 {
			web.dumpLogs()
		}
		web.saveLogs()
		_ = os.RemoveAll(web.dir)
	}
	os.Exit(code)
}

// requireRig fails t when the browser side did not start (a missing binary, most likely).
func requireRig(t *testing.T) {
	t.Helper()
	if rigErr != nil {
		t.Fatalf("the browser rig did not start: %v", rigErr)
	}
}

// pageRulesManifest is the shipped page rules' ConfigMap (the four personal-data pages at Full,
// every other page Limited), in the operator's namespace.
func pageRulesManifest() (string, error) {
	path := filepath.Join(testutil.RepoRoot(), "config", "manager", "page_rules.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the shipped page rules: %w", err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(data, &cm); err != nil {
		return "", fmt.Errorf("decode %s: %w", path, err)
	}
	if cm.Data["rules.yaml"] == "" {
		return "", fmt.Errorf("%s has no rules.yaml", path)
	}
	cm.Namespace, cm.Name = operatorNamespace, pageRulesName
	out, err := yaml.Marshal(&cm)
	return string(out), err
}

func namespaceManifest(name string) string {
	return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n"
}

// rig is the browser side: the demo app of each account, Caddy in front of both (route 0 for A,
// route 1 for B, forward auth on replica 1), nginx in front of A's (forward auth on replica 2), and
// one Chromium shared by every test, each test in a browser context of its own.
type rig struct {
	dir        string
	apps       []*httptest.Server // A's, B's
	caddy      *gateway.Process
	nginx      *gateway.Process
	browser    context.Context // the browser's root chromedp context
	stopChrome context.CancelFunc
}

// URLs of the gateways' routes, http://localhost:<port>, without a trailing "/".
func (r *rig) caddyA() string { return r.caddy.URL(0) }
func (r *rig) caddyB() string { return r.caddy.URL(1) }
func (r *rig) nginxA() string { return r.nginx.URL(0) }

// binaries are the programs the rig runs, from the Makefile's variables when set.
type binaries struct{ caddy, chromium, nginx string }

func findBinaries() (binaries, error) {
	b := binaries{caddy: os.Getenv("CADDY"), chromium: os.Getenv("CHROMIUM"), nginx: os.Getenv("NGINX")}
	if b.caddy == "" {
		cached, err := gateway.CaddyBinary()
		if err != nil {
			return b, err
		}
		b.caddy = cached
	}
	if b.chromium == "" {
		b.chromium = "/usr/bin/chromium"
	}
	if b.nginx == "" {
		b.nginx = gateway.NginxBinary
	}
	var errs []error
	for _, p := range []struct{ name, path, fix, note string }{
		{"Caddy", b.caddy, "make caddy", "or set $CADDY"},
		{"Chromium", b.chromium, "make browser-deps", "as root it runs apt-get install -y chromium; or set $CHROMIUM"},
		{"nginx", b.nginx, "make browser-deps", "as root it runs apt-get install -y nginx; or set $NGINX"},
	} {
		if info, err := os.Stat(p.path); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			errs = append(errs, fmt.Errorf("the browser suite needs %s at %s: run `%s` (%s)", p.name, p.path, p.fix, p.note))
		}
	}
	return b, errors.Join(errs...)
}

// startRig starts the demo apps, the gateways and the browser. On error it stops what it started.
func startRig(s *e2esuite.Suite, bins binaries) (_ *rig, err error) {
	dir, err := os.MkdirTemp("", "support-access-browser-rig-")
	if err != nil {
		return nil, err
	}
	r := &rig{dir: dir}
	defer func() {
		if err != nil {
			if stopErr := r.stop(); stopErr != nil {
				err = errors.Join(err, stopErr)
			}
			r.dumpLogs()
			_ = os.RemoveAll(dir)
		}
	}()
	for _, account := range []string{accountA, accountB} {
		r.apps = append(r.apps, httptest.NewServer(demoapp.Handler(account)))
	}
	routes := func(accounts ...string) ([]gateway.Route, error) {
		var out []gateway.Route
		for i, account := range accounts {
			port, err := gateway.FreePort()
			if err != nil {
				return nil, err
			}
			out = append(out, gateway.Route{
				Listen:  fmt.Sprintf("127.0.0.1:%d", port),
				Account: account,
				App:     r.apps[i].Listener.Addr().String(),
			})
		}
		return out, nil
	}
	began := time.Now()
	caddyRoutes, err := routes(accountA, accountB)
	if err != nil {
		return nil, err
	}
	r.caddy, err = gateway.StartCaddy(context.Background(), bins.caddy, gateway.Config{
		Auth: hostPort(s.AuthURLs[0]), Routes: caddyRoutes, Dir: filepath.Join(dir, "caddy"),
	})
	if err != nil {
		return nil, fmt.Errorf("start Caddy: %w", err)
	}
	nginxRoutes, err := routes(accountA)
	if err != nil {
		return nil, err
	}
	r.nginx, err = gateway.StartNginx(context.Background(), bins.nginx, gateway.Config{
		Auth: hostPort(s.AuthURLs[1]), Routes: nginxRoutes, Dir: filepath.Join(dir, "nginx"),
	})
	if err != nil {
		return nil, fmt.Errorf("start nginx: %w", err)
	}
	fmt.Printf("browser: Caddy (%s for %s, %s for %s) and nginx (%s for %s) up in %s\n",
		r.caddyA(), accountA, r.caddyB(), accountB, r.nginxA(), accountA, time.Since(began).Round(time.Millisecond))

	began = time.Now()
	if err := r.startBrowser(bins.chromium); err != nil {
		return nil, err
	}
	fmt.Printf("browser: Chromium (%s) up in %s\n", bins.chromium, time.Since(began).Round(time.Millisecond))
	return r, nil
}

// startBrowser starts the one Chromium of the suite: headless, its own temporary profile, the
// sandbox off only as root (chromedp's default then), and no name resolved but localhost, so a
// redirect to another site fails at once instead of leaving the machine.
func (r *rig) startBrowser(chromium string) error {
	chromeLog, err := os.Create(filepath.Join(r.dir, "chromium.log"))
	if err != nil {
		return err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost"),
		chromedp.CombinedOutput(chromeLog),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	r.browser = browser
	r.stopChrome = func() {
		cancelBrowser()
		cancelAlloc()
		_ = chromeLog.Close()
	}
	// The first Do starts the browser and ties it to this context, which has no deadline (a
	// deadline would close the browser when it passes); the wait is bounded here instead.
	if err := bounded(browserStartTimeout, func() error { return chromedp.Do(browser) }); err != nil {
		return fmt.Errorf("start Chromium (%s): %w", chromium, err)
	}
	return nil
}

// bounded runs f, giving up after d. f keeps running after a timeout: only for what is torn down
// anyway when the caller fails.
func bounded(d time.Duration, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("did not finish within %s", d)
	}
}

// stop stops the browser, then the gateways, then the apps.
func (r *rig) stop() error {
	if r.stopChrome != nil {
		r.stopChrome()
	}
	var errs []error
	for _, gw := range []*gateway.Process{r.nginx, r.caddy} {
		if gw != nil {
			errs = append(errs, gw.Stop())
		}
	}
	for _, app := range r.apps {
		app.Close()
	}
	return errors.Join(errs...)
}

// logFiles are the rig's logs: the gateways' and Chromium's.
func (r *rig) logFiles() []string {
	files, _ := filepath.Glob(filepath.Join(r.dir, "*", "*.log"))
	more, _ := filepath.Glob(filepath.Join(r.dir, "*.log"))
	return append(files, more...)
}

// dumpLogs prints the end of each of the rig's logs, which go with its directory.
func (r *rig) dumpLogs() {
	for _, path := range r.logFiles() {
		tail, err := managerproc.TailLines(path, 40)
		if err != nil || strings.TrimSpace(tail) == "" {
			continue
		}
		fmt.Fprintf(os.Stderr, "browser: last 40 lines of %s:\n%s\n", strings.TrimPrefix(path, r.dir+"/"), tail)
	}
}

// saveLogs copies the rig's logs to $ARTIFACTS, when set, beside the suite's own.
func (r *rig) saveLogs() {
	dir := os.Getenv("ARTIFACTS")
	if dir == "" {
		return
	}
	for _, path := range r.logFiles() {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		name := "browser-" + strings.ReplaceAll(strings.TrimPrefix(path, r.dir+"/"), "/", "-")
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
}

// hostPort is a URL's host:port.
func hostPort(url string) string {
	return strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
}
