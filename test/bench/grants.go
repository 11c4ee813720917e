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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

type grant = supportaccessv1alpha1.SupportAccessGrant

// grantName names the i-th grant of a scenario.
func grantName(i int) string { return fmt.Sprintf("g-%06d", i) }

// newGrant is a grant as an account owner writes it: access level, duration, a reason.
func newGrant(i int) *grant {
	return &grant{
		ObjectMeta: metav1.ObjectMeta{Namespace: benchNamespace, Name: grantName(i)},
		Spec: supportaccessv1alpha1.SupportAccessGrantSpec{
			AccessLevel: supportaccessv1alpha1.AccessLevelLimited,
			Duration:    &metav1.Duration{Duration: 168 * time.Hour},
			Reason:      fmt.Sprintf("TICKET-%06d", i),
		},
	}
}

// parallel runs fn(i) for i in [from, to) on workers goroutines and returns the first error.
func parallel(ctx context.Context, from, to, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	next.Store(int64(from))
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		// The caller's context ended.
		return context.Cause(ctx)
	}
	return firstErr
}

// createGrants creates grants [from, to) with clients concurrent clients; mutate, if set, adjusts
// each before it is sent.
func (e *env) createGrants(ctx context.Context, from, to, clients int, mutate func(i int, g *grant)) error {
	return parallel(ctx, from, to, clients, func(ctx context.Context, i int) error {
		g := newGrant(i)
		if mutate != nil {
			mutate(i, g)
		}
		if err := e.c.Create(ctx, g); err != nil {
			return fmt.Errorf("create grant %s: %w", g.Name, err)
		}
		return nil
	})
}

// grantWatch follows the grants of the bench namespace and calls fn for every event, with the time
// it arrived. It restarts the watch from the last resource version if the server ends it.
type grantWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (e *env) watchGrants(ctx context.Context, fn func(at time.Time, typ watch.EventType, g *grant)) (*grantWatch, error) {
	list := &supportaccessv1alpha1.SupportAccessGrantList{}
	if err := e.c.List(ctx, list, client.InNamespace(benchNamespace)); err != nil {
		return nil, err
	}
	now := time.Now()
	for i := range list.Items {
		fn(now, watch.Added, &list.Items[i])
	}
	return e.watchFrom(ctx, &supportaccessv1alpha1.SupportAccessGrantList{}, list.ResourceVersion, nil, func(at time.Time, ev watch.Event) {
		if g, ok := ev.Object.(*grant); ok {
			fn(at, ev.Type, g)
		}
	})
}

// watchSecrets follows the operator's Secrets in the bench namespace.
func (e *env) watchSecrets(ctx context.Context, fn func(at time.Time, typ watch.EventType, s *corev1.Secret)) (*grantWatch, error) {
	sel := client.MatchingLabels{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue}
	list := &corev1.SecretList{}
	if err := e.c.List(ctx, list, client.InNamespace(benchNamespace), sel); err != nil {
		return nil, err
	}
	now := time.Now()
	for i := range list.Items {
		fn(now, watch.Added, &list.Items[i])
	}
	return e.watchFrom(ctx, &corev1.SecretList{}, list.ResourceVersion, sel, func(at time.Time, ev watch.Event) {
		if s, ok := ev.Object.(*corev1.Secret); ok {
			fn(at, ev.Type, s)
		}
	})
}

func (e *env) watchFrom(ctx context.Context, list client.ObjectList, rv string, sel client.MatchingLabels, fn func(time.Time, watch.Event)) (*grantWatch, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := &grantWatch{cancel: cancel, done: make(chan struct{})}
	opts := func() []client.ListOption {
		o := []client.ListOption{client.InNamespace(benchNamespace), &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv}}}
		if sel != nil {
			o = append(o, sel)
		}
		return o
	}
	wi, err := e.c.Watch(ctx, list, opts()...)
	if err != nil {
		cancel()
		return nil, err
	}
	go func() {
		defer close(w.done)
		for {
			for ev := range wi.ResultChan() {
				at := time.Now()
				if ev.Type == watch.Error {
					w.err = fmt.Errorf("watch error: %v", ev.Object)
					wi.Stop()
					return
				}
				if o, ok := ev.Object.(client.Object); ok {
					rv = o.GetResourceVersion()
				}
				fn(at, ev)
			}
			if ctx.Err() != nil {
				return
			}
			// The server ended the watch (its timeout): continue from where it stopped.
			if wi, err = e.c.Watch(ctx, list, opts()...); err != nil {
				w.err = err
				return
			}
		}
	}()
	return w, nil
}

func (w *grantWatch) stop() error {
	w.cancel()
	<-w.done
	return w.err
}

// activeTracker records when each grant was first seen Active.
type activeTracker struct {
	mu     sync.Mutex
	active map[string]time.Time
	want   int
	done   chan struct{}
}

func newActiveTracker(want int) *activeTracker {
	return &activeTracker{active: map[string]time.Time{}, want: want, done: make(chan struct{})}
}

func (t *activeTracker) observe(at time.Time, _ watch.EventType, g *grant) {
	if g.Status.Phase != supportaccessv1alpha1.GrantPhaseActive {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, seen := t.active[g.Name]; seen {
		return
	}
	t.active[g.Name] = at
	if len(t.active) == t.want {
		close(t.done)
	}
}

func (t *activeTracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.active)
}

// wait waits until want grants are Active, up to timeout, and returns when the last one was seen.
func (t *activeTracker) wait(ctx context.Context, timeout time.Duration) (time.Time, error) {
	select {
	case <-t.done:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	case <-time.After(timeout):
		return time.Time{}, fmt.Errorf("only %d of %d grants Active after %s", t.count(), t.want, timeout)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var last time.Time
	for _, at := range t.active {
		if at.After(last) {
			last = at
		}
	}
	return last, nil
}

// issueGrants creates grants [from, to) with the bench's clients and waits until all of them are
// Active: the setup of every scenario that needs live grants.
func (e *env) issueGrants(ctx context.Context, from, to int, mutate func(i int, g *grant)) error {
	tracker := newActiveTracker(to - from)
	w, err := e.watchGrants(ctx, func(at time.Time, typ watch.EventType, g *grant) {
		var i int
		if _, err := fmt.Sscanf(g.Name, "g-%d", &i); err == nil && i >= from && i < to {
			tracker.observe(at, typ, g)
		}
	})
	if err != nil {
		return err
	}
	defer w.stop()
	began := time.Now()
	if err := e.createGrants(ctx, from, to, e.b.opts.clients, mutate); err != nil {
		return err
	}
	if _, err := tracker.wait(ctx, issueTimeout(to-from)); err != nil {
		return err
	}
	e.b.logf("%s: %d grants Active in %s", e.name, to-from, time.Since(began).Round(time.Millisecond))
	return nil
}

// issueTimeout is a generous bound on issuing n grants (the API server does ~1,000 writes/s).
func issueTimeout(n int) time.Duration { return 60*time.Second + time.Duration(n)*20*time.Millisecond }

// credentials reads a grant's login email and password from its Secret, as support staff would
// get them from the customer.
func (e *env) credentials(ctx context.Context, name string) (email, password string, err error) {
	g := &grant{}
	if err := e.c.Get(ctx, types.NamespacedName{Namespace: benchNamespace, Name: name}, g); err != nil {
		return "", "", err
	}
	if g.Status.SecretName == "" {
		return "", "", fmt.Errorf("grant %s has no status.secretName", name)
	}
	s := &corev1.Secret{}
	if err := e.c.Get(ctx, types.NamespacedName{Namespace: benchNamespace, Name: g.Status.SecretName}, s); err != nil {
		return "", "", err
	}
	return string(s.Data[supportaccessv1alpha1.SecretKeyEmail]), string(s.Data[supportaccessv1alpha1.SecretKeyPassword]), nil
}

// authClient talks to the auth services: keep-alive, no proxy, no retries.
var authClient = &http.Client{
	Timeout: 10 * time.Second,
	Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	},
}

// login posts credentials to /v1/login and returns the session token.
func login(ctx context.Context, authURL, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, authURL+"/v1/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := authClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login: status %d: %.200s", resp.StatusCode, data)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("login: no token in answer: %v", err)
	}
	return out.Token, nil
}

// loginTo reads a grant's credentials and logs in.
func (e *env) loginTo(ctx context.Context, authURL, name string) (string, error) {
	email, password, err := e.credentials(ctx, name)
	if err != nil {
		return "", err
	}
	return login(ctx, authURL, email, password)
}

// tokenReviewBody is the request kube-apiserver sends.
func tokenReviewBody(token string) []byte {
	b, _ := json.Marshal(map[string]any{
		"apiVersion": "authentication.k8s.io/v1",
		"kind":       "TokenReview",
		"spec":       map[string]string{"token": token},
	})
	return b
}

var authenticatedTrue = []byte(`"authenticated":true`)

// reviewer checks one token against one auth service over its own keep-alive connection.
type reviewer struct {
	url    string
	body   []byte
	client *http.Client
	buf    bytes.Buffer
}

func newReviewer(authURL, token string) *reviewer {
	return &reviewer{
		url:  authURL + "/tokenreview",
		body: tokenReviewBody(token),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: 2, DisableCompression: true,
		}},
	}
}

// check reports whether the auth service authenticates the token now.
func (r *reviewer) check(ctx context.Context) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(r.body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return false, err
	}
	r.buf.Reset()
	_, err = io.Copy(&r.buf, resp.Body)
	resp.Body.Close()
	if err != nil {
		return false, err
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("tokenreview: status %d", resp.StatusCode)
	}
	return bytes.Contains(r.buf.Bytes(), authenticatedTrue), nil
}

func (r *reviewer) close() { r.client.CloseIdleConnections() }

// waitAccepted polls until the auth service accepts the token (a session created on another
// replica reaches this one through its Lease watch).
func waitAccepted(ctx context.Context, authURL, token string, timeout time.Duration) error {
	r := newReviewer(authURL, token)
	defer r.close()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := r.check(ctx)
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.Join(fmt.Errorf("token not accepted by %s within %s", authURL, timeout), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
