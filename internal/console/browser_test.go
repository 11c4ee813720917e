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

package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// Consoles served on real loopback listeners (Serve), and a minimal browser: a cookie or an
// Authorization header on every request, redirects not followed, server-sent events read.

// userAgentPrefix starts the user agent of every console the tests serve: the audit sweep
// checks each request such a console made against the users registered for its user agent.
const userAgentPrefix = "console-test/"

var (
	consoleSeq atomic.Int64
	expectedMu sync.Mutex
	// expectedUsers maps a console's user agent to the users it may act as.
	expectedUsers = map[string][]string{}
)

// newUserAgent names a new console that acts as users only.
func newUserAgent(users ...string) string {
	ua := fmt.Sprintf("%s%d", userAgentPrefix, consoleSeq.Add(1))
	expectedMu.Lock()
	defer expectedMu.Unlock()
	expectedUsers[ua] = users
	return ua
}

// bearerBase is the manager's config as BearerTokens receives it, made as privileged as it gets:
// a token file of a cluster-admin ServiceAccount, the envtest admin's client certificate, and
// impersonation of a system:masters user. None of it may ever reach kube-apiserver.
var bearerBase *rest.Config

// baseUser is who bearerBase's token authenticates.
const baseUser = "system:serviceaccount:kube-system:console-test-base"

func setUpBearerBase(dir string) error {
	ctx := context.Background()
	token, err := createServiceAccountToken(ctx, "kube-system", "console-test-base")
	if err != nil {
		return err
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "console-test-base"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "kube-system", Name: "console-test-base"}},
	}
	if err := k8s.Create(ctx, crb); err != nil {
		return err
	}
	tokenFile := filepath.Join(dir, "base-token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		return err
	}
	bearerBase = &rest.Config{
		Host:            adminCfg.Host,
		BearerTokenFile: tokenFile,
		TLSClientConfig: rest.TLSClientConfig{CAData: adminCfg.CAData, CertData: adminCfg.CertData, KeyData: adminCfg.KeyData},
		Impersonate:     rest.ImpersonationConfig{UserName: "system:admin", Groups: []string{"system:masters"}},
	}
	return nil
}

// served is a console listening on a loopback port.
type served struct {
	url, host string
	userAgent string
	// loopback is the console's mode in Loopback mode.
	loopback *Loopback
}

// serve starts a console on a new loopback listener; mode returns its Mode for the listener's
// address. The console stops at the end of the test.
func serve(t *testing.T, userAgent string, mode func(net.Addr) (Mode, error), opts Options) *served {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mode(ln.Addr())
	if err != nil {
		_ = ln.Close()
		t.Fatal(err)
	}
	opts.Mode, opts.UserAgent = m, userAgent
	c, err := New(opts)
	if err != nil {
		_ = ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, c) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	s := &served{url: "http://" + ln.Addr().String(), host: ln.Addr().String(), userAgent: userAgent}
	if l, ok := m.(*Loopback); ok {
		s.loopback = l
	}
	return s
}

// serveLoopback serves a console acting with cfg, as kubectl supportaccess console does.
func serveLoopback(t *testing.T, cfg *rest.Config, userAgent string) *served {
	return serve(t, userAgent, func(addr net.Addr) (Mode, error) { return NewLoopback(cfg, addr) }, Options{})
}

// serveBearer serves a console in the manager's mode, from the privileged bearerBase.
func serveBearer(t *testing.T, userAgent string) *served {
	return serve(t, userAgent, func(net.Addr) (Mode, error) { return NewBearerTokens(bearerBase), nil }, Options{})
}

// open serves a console for u in mode m and returns a browser that opened it: in Loopback mode
// through the start link (the cookie), in BearerTokens mode with u's token.
func open(t *testing.T, m mode, u *user) *browser {
	t.Helper()
	if m == loopbackMode {
		s := serveLoopback(t, u.cfg, newUserAgent(u.name))
		b := s.browser(t, nil)
		b.start(s.loopback.StartURL("/"))
		return b
	}
	s := serveBearer(t, newUserAgent(u.name))
	return s.browser(t, http.Header{"Authorization": {"Bearer " + u.token}})
}

// browser sends header on every request to the console at url.
type browser struct {
	t      *testing.T
	s      *served
	header http.Header
	client *http.Client

	mu sync.Mutex
	// seen is everything the console answered, streams included.
	seen strings.Builder
}

func (s *served) browser(t *testing.T, header http.Header) *browser {
	if header == nil {
		header = http.Header{}
	}
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	return &browser{t: t, s: s, header: header, client: &http.Client{
		Transport:     transport,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// start opens the start link and keeps the cookie it sets.
func (b *browser) start(link string) {
	b.t.Helper()
	r := b.do(b.newRequest(http.MethodGet, link, nil))
	if r.code != http.StatusSeeOther || len(r.cookies) != 1 {
		b.t.Fatalf("start link: got %d with %d cookies, want 303 and the console's cookie: %s", r.code, len(r.cookies), r.body)
	}
	b.header.Set("Cookie", r.cookies[0].Name+"="+r.cookies[0].Value)
}

// response is one answer of the console.
type response struct {
	code    int
	body    string
	header  http.Header
	cookies []*http.Cookie
}

func (r response) location() string { return r.header.Get("Location") }

// newRequest builds a request to path (or to an absolute URL) with the browser's header; form,
// when not nil, is posted.
func (b *browser) newRequest(method, path string, form url.Values) *http.Request {
	b.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.s.url + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	b.saw(string(body))
	return response{code: resp.StatusCode, body: string(body), header: resp.Header, cookies: resp.Cookies()}
}

func (b *browser) saw(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen.WriteString(s)
}

// everything returns all the console answered this browser so far.
func (b *browser) everything() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen.String()
}

func (b *browser) get(path string) response {
	b.t.Helper()
	return b.do(b.newRequest(http.MethodGet, path, nil))
}

// post sends form to path as the page's own forms do (a same-origin POST: no Origin or
// Sec-Fetch-Site to refuse).
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return b.do(b.newRequest(http.MethodPost, path, form))
}

// sseEvent is one server-sent event.
type sseEvent struct{ name, data string }

// stream is an open live view.
type stream struct {
	code   int
	events <-chan sseEvent
}

// live opens the live view of ns; it closes at the end of the test.
func (b *browser) live(ns string) *stream {
	b.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.t.Cleanup(cancel)
	req := b.newRequest(http.MethodGet, "/accounts/"+ns+"/live", nil).WithContext(ctx)
	req.Header.Set("Accept", "text/event-stream")
	client := *b.client
	client.Timeout = 0
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatalf("open the live view: %v", err)
	}
	events := make(chan sseEvent, 64)
	go func() {
		defer close(events)
		defer func() { _ = resp.Body.Close() }()
		r := bufio.NewReader(resp.Body)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				if line != "" {
					b.saw(line)
				}
				return
			}
			b.saw(line)
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				if ev.name != "" || ev.data != "" {
					events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return &stream{code: resp.StatusCode, events: events}
}

// next returns the next event, failing the test if none comes within d.
func (s *stream) next(t *testing.T, d time.Duration) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatalf("the live view ended")
		}
		return ev
	case <-time.After(d):
		t.Fatalf("no live event within %s", d)
	}
	return sseEvent{}
}

// update decodes an update event.
func (ev sseEvent) update(t *testing.T) liveUpdate {
	t.Helper()
	if ev.name != "update" {
		t.Fatalf("got event %q (%s), want an update", ev.name, ev.data)
	}
	var u liveUpdate
	if err := json.Unmarshal([]byte(ev.data), &u); err != nil {
		t.Fatalf("update: %v: %s", err, ev.data)
	}
	return u
}

// waitForUpdate reads updates until one satisfies ok, failing the test after d.
func (s *stream) waitForUpdate(t *testing.T, d time.Duration, ok func(liveUpdate) bool) liveUpdate {
	t.Helper()
	deadline := time.Now().Add(d)
	var last liveUpdate
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("no matching live update within %s; the last one's grants:\n%s", d, last.Grants)
		}
		select {
		case ev, open := <-s.events:
			if !open {
				t.Fatalf("the live view ended")
			}
			if ev.name != "update" {
				continue
			}
			last = ev.update(t)
			if ok(last) {
				return last
			}
		case <-time.After(left):
		}
	}
}
