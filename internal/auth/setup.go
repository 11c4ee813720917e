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

package auth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/managercache"
	"github.com/supportaccess/support-access-operator/internal/pagerules"
	"github.com/supportaccess/support-access-operator/internal/session"
	"github.com/supportaccess/support-access-operator/internal/throttle"
)

// +kubebuilder:rbac:groups=supportaccess.io,resources=accountsessionpolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups="",namespace=support-access-system,resources=configmaps,verbs=get;list;watch

// Options configure the auth service.
type Options struct {
	// Addr is the listen address; CertDir the TLS certificate directory (empty: plain HTTP).
	Addr    string
	CertDir string
	// Limits hold the operator-wide grant cap, which caps every grant's window; required.
	Limits *limits.Limits
	// Clock is injected for tests; the real clock otherwise.
	Clock clock.PassiveClock
	// EmailLimiter and AddressLimiter throttle failed logins; nil means 10 failures per 15 minutes
	// per email and per client address, each tracking at most 100,000 keys.
	EmailLimiter   Limiter
	AddressLimiter Limiter
	// Keyring verifies login emails and seals sessions (required).
	Keyring *keyring.Keyring
	// MaxSessionsPerGrant caps each grant's live sessions (--max-sessions-per-grant); a login over
	// it ends the oldest. 0 means DefaultMaxSessionsPerGrant.
	MaxSessionsPerGrant int
	// GrantLoginLimiter limits successful logins per grant; nil means 30 per 15 minutes.
	GrantLoginLimiter Limiter
	// TrustedProxies are the proxies whose X-Forwarded-For names the client of a login
	// (--auth-trusted-proxies); none by default, and the header is then ignored.
	TrustedProxies []netip.Prefix
	// ForwardHeaders is where gateways put the original request (--forward-auth-headers); empty
	// means ForwardHeadersForwarded.
	ForwardHeaders ForwardHeaders
	// PageRules names the page rules' ConfigMap (--page-rules-configmap); empty Name reads none,
	// and every page then needs Full (docs/gateways.md#page-rules).
	PageRules types.NamespacedName
	// ReturnHosts are the hosts (host[:port]) besides its own that the login page may send a
	// browser back to (--login-redirect-hosts).
	ReturnHosts []string
	// FlushTick and MaintenanceTick set how often activity is flushed and dead sessions swept.
	FlushTick       time.Duration
	MaintenanceTick time.Duration
}

// Setup builds the auth service on mgr's cache and client, and adds it, its activity flusher (every
// replica) and its maintenance loop (leader only) to mgr.
func Setup(ctx context.Context, mgr ctrl.Manager, o Options) (*Service, error) {
	clk := o.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	emails, addresses := o.EmailLimiter, o.AddressLimiter
	if emails == nil {
		emails = throttle.New(throttle.Config{Window: 15 * time.Minute, MaxFailures: 10, MaxKeys: 100_000, Clock: clk})
	}
	if addresses == nil {
		addresses = throttle.New(throttle.Config{Window: 15 * time.Minute, MaxFailures: 10, MaxKeys: 100_000, Clock: clk})
	}
	if o.Keyring == nil {
		return nil, errors.New("auth service: no keyring")
	}
	if o.Limits == nil {
		return nil, errors.New("auth service: no operator limits")
	}
	grantLogins := o.GrantLoginLimiter
	if grantLogins == nil {
		grantLogins = throttle.New(throttle.Config{Window: grantLoginWindow, MaxFailures: grantLoginBurst, MaxKeys: 100_000, Clock: clk})
	}
	maxSessions := o.MaxSessionsPerGrant
	if maxSessions <= 0 {
		maxSessions = DefaultMaxSessionsPerGrant
	}
	reader := mgr.GetCache()
	ix := &index{
		limits: o.Limits,
		ring:   o.Keyring,
		listPolicies: func(namespace string) ([]supportaccessv1alpha1.AccountSessionPolicy, error) {
			list := &supportaccessv1alpha1.AccountSessionPolicyList{}
			err := reader.List(context.Background(), list, client.InNamespace(namespace))
			return list.Items, err
		},
	}
	o.Keyring.OnChange(ix.reverifyAll)
	// A changed operator cap moves the end of every grant's window.
	o.Limits.OnChange(ix.reverifyAll)
	forwardHeaders := o.ForwardHeaders
	if forwardHeaders == "" {
		forwardHeaders = ForwardHeadersForwarded
	}
	returnHosts := map[string]bool{}
	for _, h := range o.ReturnHosts {
		returnHosts[strings.ToLower(h)] = true
	}
	recorder := mgr.GetEventRecorder("supportaccess-auth")
	svc := &Service{
		Addr:           o.Addr,
		CertDir:        o.CertDir,
		sessions:       session.NewStore(mgr.GetClient(), clk, o.Keyring),
		grantLogins:    grantLogins,
		maxSessions:    maxSessions,
		index:          ix,
		emails:         emails,
		addresses:      addresses,
		trustedProxies: o.TrustedProxies,
		forwardHeaders: forwardHeaders,
		pageRules:      pagerules.NewWatcher(o.PageRules.Namespace, o.PageRules.Name, recorder, ctrl.Log.WithName("page-rules")),
		returnHosts:    returnHosts,
		pageCSP:        pageCSP(formTargetsCSP(returnHosts)),
		clock:          clk,
		recorder:       recorder,
		metrics:        newAuthMetrics(),
		log:            ctrl.Log.WithName("auth"),
		listening:      make(chan struct{}),
	}

	handlers := []struct {
		obj     client.Object
		handler toolscache.ResourceEventHandler
	}{
		{&supportaccessv1alpha1.SupportAccessGrant{}, ix.grantHandler()},
		{&corev1.Secret{}, ix.secretHandler()},
		{&supportaccessv1alpha1.AccountSessionPolicy{}, ix.policyHandler()},
		{&coordinationv1.Lease{}, svc.sessions.EventHandler()},
	}
	for _, h := range handlers {
		informer, err := mgr.GetCache().GetInformer(ctx, h.obj)
		if err != nil {
			return nil, fmt.Errorf("get informer for %T: %w", h.obj, err)
		}
		reg, err := informer.AddEventHandler(h.handler)
		if err != nil {
			return nil, fmt.Errorf("watch %T: %w", h.obj, err)
		}
		svc.handlersSynced = append(svc.handlersSynced, reg.HasSynced)
	}

	if o.PageRules.Name != "" {
		synced, err := managercache.WatchConfigMap(ctx, mgr, o.PageRules, svc.pageRules.Handler())
		if err != nil {
			return nil, fmt.Errorf("page rules: %w", err)
		}
		svc.pageRulesSynced = synced
	}

	flushTick, maintenanceTick := o.FlushTick, o.MaintenanceTick
	if flushTick <= 0 {
		flushTick = time.Second
	}
	if maintenanceTick <= 0 {
		maintenanceTick = 10 * time.Second
	}
	runnables := []manager.Runnable{
		&session.ActivityFlusher{
			Store:  svc.sessions,
			Client: mgr.GetClient(),
			Clock:  clk,
			Tick:   flushTick,
			InactivityTimeout: func(namespace string) time.Duration {
				return ix.settings(namespace).InactivityTimeout
			},
		},
		&maintenance{svc: svc, client: mgr.GetClient(), tick: maintenanceTick, lastReport: map[types.NamespacedName]time.Time{}},
	}
	if o.Addr != "" && o.Addr != "0" {
		// Answering before the caches are synced would refuse valid tokens, and kube-apiserver
		// caches refusals too.
		svc.waitForSync = mgr.GetCache().WaitForCacheSync
		runnables = append(runnables, svc)
	}
	for _, r := range runnables {
		if err := mgr.Add(r); err != nil {
			return nil, fmt.Errorf("add auth runnable: %w", err)
		}
	}
	if err := metrics.Registry.Register(newSessionCollector(svc.sessions)); err != nil {
		// A second auth service in one process (tests) keeps the first one's gauge.
		var already prometheus.AlreadyRegisteredError
		if !errors.As(err, &already) {
			return nil, fmt.Errorf("register session metrics: %w", err)
		}
	}
	return svc, nil
}
