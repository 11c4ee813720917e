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

// Command manager runs the Support Access Operator: the grant and policy controllers (leader
// elected), the admission webhooks and the auth service (on every replica).
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/supportaccess/support-access-operator/internal/managercache"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/auth"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/keyring"
)

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(supportaccessv1alpha1.AddToScheme(scheme))
}

// options are the manager's command-line flags (docs/reference.md#manager-flags).
type options struct {
	metricsAddr        string
	metricsSecure      bool
	probeAddr          string
	pprofAddr          string
	leaderElect        bool
	authAddr           string
	authCertDir        string
	consoleAddr        string
	consoleCertDir     string
	trustedProxies     []netip.Prefix
	forwardHeaders     auth.ForwardHeaders
	pageRules          types.NamespacedName
	limitsConfigMap    types.NamespacedName
	returnHosts        []string
	webhookCertDir     string
	webhookPort        int
	disableWebhooks    bool
	loginDomain        string
	loginURL           string
	maxGrantDuration   time.Duration
	limitedClusterRole string
	fullClusterRole    string
	grantWorkers       int
	maxSessions        int
	operatorNamespace  string
	keyringSecret      string
	enableHTTP2        bool
	leaderElectionNS   string
	leaseDuration      time.Duration
	renewDeadline      time.Duration
	retryPeriod        time.Duration
}

func parseFlags(fs *flag.FlagSet, args []string) (*options, *zap.Options, error) {
	o := &options{}
	// --kubeconfig is registered by controller-runtime's config package on the default FlagSet.
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", "0", "The address the metrics endpoint binds to, "+
		"e.g. :8443 (HTTPS) or :8080 (HTTP with --metrics-secure=false). 0 disables it.")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", true, "Serve metrics over HTTPS with authentication and authorization.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "The address the probe endpoint binds to.")
	fs.StringVar(&o.pprofAddr, "pprof-bind-address", "0", "The address Go's pprof endpoints (/debug/pprof/) bind to, "+
		"e.g. 127.0.0.1:8082, to profile CPU and heap in place. Unauthenticated: bind it to loopback and reach it with "+
		"kubectl port-forward. 0 disables it.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Enable leader election for the controllers, "+
		"so that only one replica reconciles at a time. The auth service runs on every replica regardless.")
	fs.StringVar(&o.leaderElectionNS, "leader-election-namespace", "", "Namespace of the leader election Lease "+
		"(default: the pod's namespace; required when running outside a cluster with --leader-elect).")
	fs.DurationVar(&o.leaseDuration, "leader-election-lease-duration", 15*time.Second, "How long a standby waits "+
		"before taking over from a leader that stopped renewing (a crashed one; a clean shutdown hands over at once).")
	fs.DurationVar(&o.renewDeadline, "leader-election-renew-deadline", 10*time.Second, "How long the leader keeps "+
		"trying to renew before giving up leadership.")
	fs.DurationVar(&o.retryPeriod, "leader-election-retry-period", 2*time.Second, "How often leader election is retried.")
	fs.StringVar(&o.authAddr, "auth-bind-address", ":8444", "The address the auth service (login, sessions, "+
		"TokenReview) binds to. 0 disables it.")
	fs.StringVar(&o.authCertDir, "auth-cert-dir", "", "Directory with tls.crt and tls.key for the auth service. "+
		"Empty serves plain HTTP, for local runs only.")
	var trustedProxies string
	fs.StringVar(&trustedProxies, "auth-trusted-proxies", "", "Comma-separated CIDRs or addresses of the proxies "+
		"(ingress, load balancer) in front of the auth service whose X-Forwarded-For names the client of a login, "+
		"for throttling and events. Empty: the header is ignored and the peer's address is used.")
	var forwardHeaders, pageRules, limitsConfigMap, returnHosts string
	fs.StringVar(&forwardHeaders, "forward-auth-headers", string(auth.ForwardHeadersForwarded), "Where gateways put the "+
		"original request for /v1/forward-auth: forwarded (X-Forwarded-Method and -Uri: Caddy, Traefik), original "+
		"(X-Original-Method and -URI: nginx) or path (appended to the auth path: Envoy). Only that set is read.")
	fs.StringVar(&pageRules, "page-rules-configmap", "support-access-system/support-access-page-rules", "The "+
		"<namespace>/<name> of the ConfigMap whose rules.yaml says which pages need Full access (docs/gateways.md). "+
		"Until it is read, every page needs Full.")
	fs.StringVar(&returnHosts, "login-redirect-hosts", "", "Comma-separated hosts (host[:port]) the login page may "+
		"send a browser back to after login, besides the host it is served on.")
	fs.StringVar(&o.consoleAddr, "console-bind-address", "0", "The address the account admins' web console binds to, "+
		"e.g. :8446, behind the platform's SSO proxy, which must pass each user's Kubernetes bearer token in the "+
		"Authorization header: the console acts with that token only, never with the manager's ServiceAccount "+
		"(docs/console.md). 0 disables it.")
	fs.StringVar(&o.consoleCertDir, "console-cert-dir", "", "Directory with tls.crt and tls.key for the console. "+
		"Without it the console serves plain HTTP: only for an SSO proxy in the same pod or on a trusted network.")
	fs.StringVar(&o.webhookCertDir, "webhook-cert-dir", "", "Directory with tls.crt and tls.key for the admission "+
		"webhooks (default: controller-runtime's <temp>/k8s-webhook-server/serving-certs).")
	fs.IntVar(&o.webhookPort, "webhook-port", 9443, "The port the admission webhook server listens on.")
	fs.BoolVar(&o.disableWebhooks, "disable-webhooks", false, "Do not serve the admission webhooks "+
		"(the CRD schema still enforces every rule that does not need the current time or other objects).")
	fs.StringVar(&o.loginDomain, "login-domain", "support.invalid", "Domain of the issued login emails: a DNS name, "+
		"lower-cased (logins are case-insensitive).")
	fs.StringVar(&o.loginURL, "login-url", "", "Where support staff log in; copied into each credentials Secret when set.")
	fs.DurationVar(&o.maxGrantDuration, "max-grant-duration", 720*time.Hour, "Longest spec.duration any grant may ask "+
		"for when the limits ConfigMap sets none; an AccountSessionPolicy's maxGrantDuration can only lower it.")
	fs.StringVar(&limitsConfigMap, "limits-configmap", "support-access-system/support-access-limits", "The "+
		"<namespace>/<name> of the ConfigMap whose maxGrantDuration is the operator's grant cap, shared with the "+
		"admission policies and applied without a restart (docs/reference.md#operator-limits). Until it is read, "+
		"and without it, --max-grant-duration applies.")
	fs.StringVar(&o.limitedClusterRole, "limited-cluster-role", "supportaccess-limited", "ClusterRole bound to support users of Limited grants.")
	fs.StringVar(&o.fullClusterRole, "full-cluster-role", "supportaccess-full", "ClusterRole bound to support users of Full grants.")
	fs.IntVar(&o.maxSessions, "max-sessions-per-grant", auth.DefaultMaxSessionsPerGrant, "Live sessions one grant may "+
		"have; a login beyond it ends the grant's oldest session (with an event).")
	fs.StringVar(&o.operatorNamespace, "operator-namespace", "", "Namespace of the operator's own objects, the "+
		"keyring Secret among them (default: $POD_NAMESPACE, else the pod's service account namespace, else "+
		"\"default\" outside a cluster). No tenant may read Secrets there.")
	fs.StringVar(&o.keyringSecret, "keyring-secret", keyring.DefaultSecretName, "Name of the Secret, in the "+
		"operator's namespace, holding the keys that bind login emails to their grants and seal sessions; "+
		"created on first start (docs/security.md, \"Keys\").")
	fs.IntVar(&o.grantWorkers, "grant-workers", 32, "Grants reconciled concurrently: enough to keep kube-apiserver busy when thousands are issued at once.")
	fs.BoolVar(&o.enableHTTP2, "enable-http2", false, "Serve metrics and webhooks over HTTP/2 "+
		"(off by default: CVE-2023-44487 and CVE-2023-39325).")
	zapOpts := &zap.Options{Development: false}
	zapOpts.BindFlags(fs)
	err := fs.Parse(args)
	if err != nil {
		return nil, nil, err
	}
	if o.maxGrantDuration < 15*time.Minute {
		return nil, nil, fmt.Errorf("--max-grant-duration=%s: must be at least 15m", o.maxGrantDuration)
	}
	if o.leaderElect && !(o.retryPeriod < o.renewDeadline && o.renewDeadline < o.leaseDuration) {
		return nil, nil, fmt.Errorf("leader election needs --leader-election-retry-period < --leader-election-renew-deadline < --leader-election-lease-duration")
	}
	if o.trustedProxies, err = auth.ParseTrustedProxies(trustedProxies); err != nil {
		return nil, nil, fmt.Errorf("--auth-trusted-proxies: %w", err)
	}
	if o.forwardHeaders, err = auth.ParseForwardHeaders(forwardHeaders); err != nil {
		return nil, nil, fmt.Errorf("--forward-auth-headers=%w", err)
	}
	if o.pageRules, err = parseObjectRef("page-rules-configmap", pageRules); err != nil {
		return nil, nil, err
	}
	if o.limitsConfigMap, err = parseObjectRef("limits-configmap", limitsConfigMap); err != nil {
		return nil, nil, err
	}
	for h := range strings.SplitSeq(returnHosts, ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if strings.ContainsAny(h, "/\\@?# ") || len(validation.IsDNS1123Subdomain(strings.ToLower(hostOnly(h)))) > 0 {
			return nil, nil, fmt.Errorf("--login-redirect-hosts: %q: must be a host name, optionally with :port", h)
		}
		o.returnHosts = append(o.returnHosts, strings.ToLower(h))
	}
	if o.grantWorkers < 1 {
		return nil, nil, fmt.Errorf("--grant-workers=%d: must be at least 1", o.grantWorkers)
	}
	if o.maxSessions < 1 {
		return nil, nil, fmt.Errorf("--max-sessions-per-grant=%d: must be at least 1", o.maxSessions)
	}
	// Logins are matched lower-cased, so issued emails must be too; a domain that is no DNS name
	// would issue emails no one can type.
	o.loginDomain = strings.ToLower(o.loginDomain)
	if errs := validation.IsDNS1123Subdomain(o.loginDomain); len(errs) > 0 {
		return nil, nil, fmt.Errorf("--login-domain=%q: must be a DNS name: %s", o.loginDomain, strings.Join(errs, "; "))
	}
	// Issued values must fit what the Secret cache keeps (internal/managercache).
	if n := len(credentials.EmailPrefix) + credentials.EmailRandomLength + 1 + len(o.loginDomain); n > managercache.MaxEmailBytes {
		return nil, nil, fmt.Errorf("--login-domain=%q: too long, the login emails would have %d characters (at most %d)", o.loginDomain, n, managercache.MaxEmailBytes)
	}
	if len(o.loginURL) > managercache.MaxLoginURLBytes {
		return nil, nil, fmt.Errorf("--login-url: %d characters, at most %d", len(o.loginURL), managercache.MaxLoginURLBytes)
	}
	if o.operatorNamespace == "" {
		o.operatorNamespace = operatorNamespace()
	}
	return o, zapOpts, nil
}

func main() {
	o, zapOpts, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(zapOpts)))
	if err := run(o); err != nil {
		setupLog.Error(err, "Manager exited with an error")
		os.Exit(1)
	}
}

func run(o *options) error {
	var tlsOpts []func(*tls.Config)
	if !o.enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}

	metricsOpts := metricsserver.Options{
		BindAddress:   o.metricsAddr,
		SecureServing: o.metricsSecure,
		TLSOpts:       tlsOpts,
	}
	if o.metricsSecure {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}

	restConfig, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsOpts,
		HealthProbeBindAddress:  o.probeAddr,
		PprofBindAddress:        o.pprofAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "support-access-operator.supportaccess.io",
		LeaderElectionNamespace: o.leaderElectionNS,
		LeaseDuration:           &o.leaseDuration,
		RenewDeadline:           &o.renewDeadline,
		RetryPeriod:             &o.retryPeriod,
		// Release the lease on a clean shutdown so a standby takes over at once, not after the
		// lease duration; safe because run returns right after the manager stops.
		LeaderElectionReleaseOnCancel: true,
		WebhookServer: webhook.NewServer(webhook.Options{
			Port:    o.webhookPort,
			CertDir: o.webhookCertDir,
			TLSOpts: tlsOpts,
		}),
		Cache:  managercache.Options(),
		Client: managercache.ClientOptions(),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}

	ctx := ctrl.SetupSignalHandler()
	ring, err := setupKeyring(ctx, mgr, restConfig, o)
	if err != nil {
		return err
	}
	lim, err := setupLimits(ctx, mgr, o)
	if err != nil {
		return err
	}
	if err := setupControllers(mgr, o, ring, lim); err != nil {
		return err
	}
	if err := setupAuth(ctx, mgr, o, ring, lim); err != nil {
		return err
	}
	if err := setupConsole(mgr, restConfig, o, lim); err != nil {
		return err
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}

	if beyondLoopback(o.pprofAddr) {
		setupLog.Info("WARNING: the pprof endpoints are unauthenticated and listen beyond loopback; bind "+
			"--pprof-bind-address to 127.0.0.1 and use kubectl port-forward", "address", o.pprofAddr)
	}
	setupLog.Info("Starting manager", "leaderElection", o.leaderElect, "webhooks", !o.disableWebhooks,
		"authBindAddress", o.authAddr, "loginDomain", o.loginDomain)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("run manager: %w", err)
	}
	return nil
}

// beyondLoopback reports whether a bind address (host:port; "0" or "" meaning off) listens on
// anything but a loopback address.
// hostOnly returns the host of "host[:port]".
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func beyondLoopback(addr string) bool {
	if addr == "" || addr == "0" {
		return false
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true
	}
	if host == "localhost" {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err != nil || !ip.IsLoopback()
}

// parseObjectRef reads a <namespace>/<name> flag value.
func parseObjectRef(flagName, value string) (types.NamespacedName, error) {
	ns, name, ok := strings.Cut(value, "/")
	if !ok || len(validation.IsDNS1123Label(ns)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return types.NamespacedName{}, fmt.Errorf("--%s=%q: must be <namespace>/<name>", flagName, value)
	}
	return types.NamespacedName{Namespace: ns, Name: name}, nil
}
