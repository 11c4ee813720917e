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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/limits"
	"github.com/supportaccess/support-access-operator/internal/managercache"

	"go.uber.org/zap/zapcore"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/credentials"
	"github.com/supportaccess/support-access-operator/internal/keyring"
	"github.com/supportaccess/support-access-operator/internal/session"
	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// The auth service runs here without the grant controller: tests write grants' status and Secrets
// themselves, which is also what "the controller is stopped" looks like to the auth service.

var (
	testScheme = runtime.NewScheme()
	k8s        client.Client
	restConfig *rest.Config
	// clk is the auth services' clock; tests move it to cross idle timeouts and lifetimes.
	clk *clocktesting.FakeClock
	// serviceA is the suite's auth service.
	serviceA *testService
	// ring is the operator's keyring, shared by every replica the tests start; suiteKey its key.
	ring     *keyring.Keyring
	suiteKey keyring.Key
	// pageRulesKey is the page rules' ConfigMap every test service reads; the suite creates it with
	// piiRules before the first service starts.
	pageRulesKey = types.NamespacedName{Namespace: "supportaccess-system-test", Name: "page-rules"}
)

// piiRules are the shipped sample's rules: the four PII pages of the help text need Full.
const piiRules = `rules:
- pathPrefix: /messages
  accessLevel: Full
- pathPrefix: /contacts
  accessLevel: Full
- pathPrefix: /campaigns
  accessLevel: Full
- pathPrefix: /inbox
  accessLevel: Full
default: Limited
`

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(testScheme))
	utilruntime.Must(supportaccessv1alpha1.AddToScheme(testScheme))
}

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) int {
	// Fuzzing workers run only the fuzz targets, which need no cluster.
	for _, arg := range os.Args {
		if strings.HasPrefix(arg, "-test.fuzzworker") {
			return m.Run()
		}
	}
	level := zapcore.ErrorLevel
	if os.Getenv("TEST_VERBOSE_LOGS") != "" {
		level = zapcore.DebugLevel
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true), zap.Level(level)))
	env, cfg, err := testutil.StartEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	restConfig = cfg
	if k8s, err = client.New(cfg, client.Options{Scheme: testScheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	clk = clocktesting.NewFakeClock(time.Now())
	suiteKey, err = keyring.GenerateKey(1)
	if err == nil {
		ring, err = keyring.New(suiteKey)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := createPageRules(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if serviceA, err = startService(context.Background(), restConfig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	serviceA.stop()
	return code
}

// testService is one auth service with its own manager (its own caches and watches), as one
// replica of the operator would have.
type testService struct {
	svc    *Service
	url    string
	stop   func()
	client *http.Client
}

func startService(ctx context.Context, cfg *rest.Config, mutate ...func(*Options)) (*testService, error) {
	return startServiceWith(ctx, cfg, nil, mutate...)
}

// startServiceWith starts a service whose manager options mgrOpts may change (leader election).
func startServiceWith(ctx context.Context, cfg *rest.Config, mgrOpts func(*ctrl.Options), mutate ...func(*Options)) (*testService, error) {
	opts := ctrl.Options{
		Scheme:                 testScheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  managercache.Options(),
		Client:                 managercache.ClientOptions(),
	}
	if mgrOpts != nil {
		mgrOpts(&opts)
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return nil, err
	}
	o := Options{
		Addr:            "127.0.0.1:0",
		Limits:          limits.Fixed(720 * time.Hour),
		Keyring:         ring,
		Clock:           clk,
		FlushTick:       20 * time.Millisecond,
		MaintenanceTick: time.Hour, // the janitor is exercised on its own
		PageRules:       pageRulesKey,
	}
	for _, m := range mutate {
		m(&o)
	}
	svc, err := Setup(ctx, mgr, o)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(runCtx) }()
	listening, addr := svc.Listening()
	select {
	case <-listening:
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("manager stopped: %w", err)
	case <-time.After(30 * time.Second):
		cancel()
		return nil, fmt.Errorf("auth service did not start")
	}
	return &testService{
		svc:    svc,
		url:    "http://" + addr().String(),
		client: &http.Client{Timeout: 10 * time.Second},
		stop: sync.OnceFunc(func() {
			cancel()
			<-done
		}),
	}, nil
}

// createPageRules writes the suite's page rules ConfigMap (and its namespace).
func createPageRules(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: pageRulesKey.Namespace}}
	if err := k8s.Create(ctx, ns); err != nil {
		return fmt.Errorf("create page rules namespace: %w", err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: pageRulesKey.Namespace, Name: pageRulesKey.Name},
		Data:       map[string]string{"rules.yaml": piiRules},
	}
	if err := k8s.Create(ctx, cm); err != nil {
		return fmt.Errorf("create page rules: %w", err)
	}
	return nil
}

// newNamespace creates an account namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "account-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// issued is a grant made Active by the test, as the controller would.
type issued struct {
	grant    *supportaccessv1alpha1.SupportAccessGrant
	email    string
	password string
}

// issueGrant creates a grant and its credentials (Secret and Active status) directly.
func issueGrant(t *testing.T, ns, name string, mutate func(*supportaccessv1alpha1.SupportAccessGrant)) issued {
	t.Helper()
	ctx := context.Background()
	g := &supportaccessv1alpha1.SupportAccessGrant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	if mutate != nil {
		mutate(g)
	}
	if err := k8s.Create(ctx, g); err != nil {
		t.Fatalf("create grant: %v", err)
	}
	email, err := credentials.LoginEmail(ring, g.UID, "support.test")
	if err != nil {
		t.Fatal(err)
	}
	password, _ := credentials.Password()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-credentials", Labels: map[string]string{
			supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue,
			supportaccessv1alpha1.LabelGrant:     name,
		}},
		Type: supportaccessv1alpha1.SecretTypeCredentials,
		Data: map[string][]byte{"email": []byte(email), "password": []byte(password)},
	}
	if err := controllerutil.SetControllerReference(g, secret, testScheme); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, secret); err != nil {
		t.Fatalf("create Secret: %v", err)
	}
	setStatus(t, g, func(s *supportaccessv1alpha1.SupportAccessGrantStatus) {
		s.Phase = supportaccessv1alpha1.GrantPhaseActive
		s.LoginEmail = email
		s.SecretName = secret.Name
		s.IssuedAt = &metav1.Time{Time: time.Now().Truncate(time.Second)}
	})
	return issued{grant: g, email: email, password: password}
}

func setStatus(t *testing.T, g *supportaccessv1alpha1.SupportAccessGrant, mutate func(*supportaccessv1alpha1.SupportAccessGrantStatus)) {
	t.Helper()
	for range 20 {
		cur := &supportaccessv1alpha1.SupportAccessGrant{}
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(g), cur); err != nil {
			t.Fatal(err)
		}
		mutate(&cur.Status)
		if err := k8s.Status().Update(context.Background(), cur); err == nil {
			*g = *cur
			return
		}
	}
	t.Fatal("cannot update grant status")
}

// call sends a JSON request (body may be nil) and returns the status, headers and decoded body.
func (s *testService) call(t *testing.T, method, path, token string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, ok := body.([]byte)
		if !ok {
			raw, _ = json.Marshal(body)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, resp.Header, out
}

// login logs in and returns the token, failing the test unless it works.
func (s *testService) login(t *testing.T, email, password string) (string, map[string]any) {
	t.Helper()
	status, _, body := s.call(t, http.MethodPost, "/v1/login", "", map[string]string{"email": email, "password": password})
	if status != http.StatusOK {
		t.Fatalf("login: status %d, body %v", status, body)
	}
	return body["token"].(string), body
}

// review sends a TokenReview exactly as kube-apiserver does and returns the answer.
func (s *testService) review(t *testing.T, token string) authenticationv1.TokenReview {
	t.Helper()
	req := authenticationv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenReview"},
		Spec:     authenticationv1.TokenReviewSpec{Token: token},
	}
	raw, _ := json.Marshal(req)
	resp, err := s.client.Post(s.url+"/tokenreview", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("tokenreview: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tokenreview: status %d (kube-apiserver would retry)", resp.StatusCode)
	}
	var out authenticationv1.TokenReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode TokenReview: %v", err)
	}
	return out
}

// clientFrom returns an HTTP client whose connections come from a given loopback address, so
// throttling per client address can be tested on one machine.
func clientFrom(ip string) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext}}
}

// leaseNameOf returns the Lease name of a token's session.
func (s *testService) leaseNameOf(token string) string {
	return session.LeaseName(session.HashToken(token))
}

// hasEvent reports whether an event with reason exists regarding the named grant.
func hasEvent(t *testing.T, ns, grant, reason string) bool {
	t.Helper()
	list := &eventsv1.EventList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		return false
	}
	for _, e := range list.Items {
		if e.Regarding.Name == grant && e.Reason == reason {
			return true
		}
	}
	return false
}
