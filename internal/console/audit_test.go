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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

// No request with any credentials but the user's (issue 14): kube-apiserver's audit log says who
// sent each request the console made. Every console of the tests has a user agent of its own
// (newUserAgent), registered with the users it may act as.

// auditEvent is what the tests read of an audit.k8s.io/v1 Event.
type auditEvent struct {
	Stage      string `json:"stage"`
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	UserAgent  string `json:"userAgent"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	ImpersonatedUser *struct {
		Username string `json:"username"`
	} `json:"impersonatedUser"`
	ObjectRef *struct {
		Resource  string `json:"resource"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

func (e auditEvent) String() string {
	s := fmt.Sprintf("%s %s %s as %q (user agent %q)", e.Stage, e.Verb, e.RequestURI, e.User.Username, e.UserAgent)
	if e.ImpersonatedUser != nil {
		s += fmt.Sprintf(" impersonating %q", e.ImpersonatedUser.Username)
	}
	return s
}

const barrierPrefix = "audit-barrier/"

// audit reads the log as it grows, keeping the events of the tests' consoles and barriers.
var audit struct {
	mu     sync.Mutex
	offset int64
	events []auditEvent
}

// auditEvents returns the events logged so far whose user agent is ua.
func auditEvents(ua string) ([]auditEvent, error) {
	audit.mu.Lock()
	defer audit.mu.Unlock()
	f, err := os.Open(auditLogPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(audit.offset, io.SeekStart); err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break // A partial line is read again next time.
		}
		if err != nil {
			return nil, err
		}
		audit.offset += int64(len(line))
		if !bytes.Contains(line, []byte(userAgentPrefix)) && !bytes.Contains(line, []byte(barrierPrefix)) {
			continue
		}
		var ev auditEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, fmt.Errorf("audit log: %w: %s", err, line)
		}
		if strings.HasPrefix(ev.UserAgent, userAgentPrefix) || strings.HasPrefix(ev.UserAgent, barrierPrefix) {
			audit.events = append(audit.events, ev)
		}
	}
	var out []auditEvent
	for _, ev := range audit.events {
		if ua == "" || ev.UserAgent == ua {
			out = append(out, ev)
		}
	}
	return out, nil
}

var barrierSeq atomic.Int64

// auditBarrier makes a request and waits until kube-apiserver logged it. The log is written
// as requests arrive (the RequestReceived stage, before any answer), so every request the
// console sent before the test's last answer is in the log once the barrier is.
func auditBarrier() error {
	cfg := rest.CopyConfig(adminCfg)
	cfg.UserAgent = fmt.Sprintf("%s%d", barrierPrefix, barrierSeq.Add(1))
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if _, err := cs.Discovery().ServerVersion(); err != nil {
		return err
	}
	g := NewGomega(func(message string, _ ...int) { err = errors.New(message) })
	g.Eventually(func() ([]auditEvent, error) { return auditEvents(cfg.UserAgent) }, eventually, poll).ShouldNot(BeEmpty())
	return err
}

// consoleAudit waits for the barrier and returns the events of the console with user agent ua.
func consoleAudit(t *testing.T, ua string) []auditEvent {
	t.Helper()
	if err := auditBarrier(); err != nil {
		t.Fatalf("audit barrier: %v", err)
	}
	events, err := auditEvents(ua)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// checkSeenAs returns what in events was not sent as one of users, without impersonation.
func checkSeenAs(events []auditEvent, users []string) []string {
	var wrong []string
	for _, ev := range events {
		if !slices.Contains(users, ev.User.Username) || ev.ImpersonatedUser != nil {
			wrong = append(wrong, ev.String())
		}
	}
	return wrong
}

// answered returns the status codes kube-apiserver answered the requests of events with verb on
// resource.
func answered(events []auditEvent, verb, resource string) []int {
	var codes []int
	for _, ev := range events {
		if ev.Stage == "ResponseComplete" && ev.Verb == verb && ev.ObjectRef != nil && ev.ObjectRef.Resource == resource && ev.ResponseStatus != nil {
			codes = append(codes, ev.ResponseStatus.Code)
		}
	}
	return codes
}

// sweepAudit checks every request of every console the tests served (TestMain, at the end).
// That the log holds the consoles' requests at all is the tests' own check (consoleAudit).
func sweepAudit() error {
	if err := auditBarrier(); err != nil {
		return err
	}
	events, err := auditEvents("")
	if err != nil {
		return err
	}
	expectedMu.Lock()
	defer expectedMu.Unlock()
	var wrong []string
	for _, ev := range events {
		if !strings.HasPrefix(ev.UserAgent, userAgentPrefix) {
			continue
		}
		wrong = append(wrong, checkSeenAs([]auditEvent{ev}, expectedUsers[ev.UserAgent])...)
	}
	if len(wrong) > 0 {
		return fmt.Errorf("%d requests of the consoles were not sent as their user, e.g.:\n%s", len(wrong), strings.Join(wrong[:min(len(wrong), 10)], "\n"))
	}
	return nil
}

// In Loopback mode kube-apiserver sees the kubeconfig's user, and only them.
func TestAuditLoopbackActsAsTheUser(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, loopbackMode, ns, roleAdmin)
	b := open(t, loopbackMode, admin)
	g.Expect(b.get("/accounts/" + ns).code).To(Equal(http.StatusOK))
	g.Expect(b.post("/accounts/"+ns+"/grants", url.Values{"access": {"Limited"}, "duration": {"1h"}}).code).To(Equal(http.StatusSeeOther))

	events := consoleAudit(t, b.s.userAgent)
	g.Expect(events).NotTo(BeEmpty())
	g.Expect(checkSeenAs(events, []string{admin.name})).To(BeEmpty())
	g.Expect(answered(events, "create", "supportaccessgrants")).To(ContainElement(http.StatusCreated), "the grant was created as the user")
}

// In BearerTokens mode the base config holds a token file, a client certificate and
// impersonation; kube-apiserver sees the token's user only, and enforces their permissions:
// the base could generate credentials, the read-only user cannot.
func TestAuditBearerTokensActsAsTheTokenOnly(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newAccount(t)
	reader := newUser(t, bearerMode, ns, roleReadOnly)

	base, err := accountclient.New(bearerBase, "console-test-base-check")
	g.Expect(err).NotTo(HaveOccurred())
	allowed, _, err := base.Can(ctx, "create", "supportaccess.io", "supportaccessgrants", ns, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(allowed).To(BeTrue(), "the base config may generate credentials: the refusal below is the user's")

	b := open(t, bearerMode, reader)
	page := b.get("/accounts/" + ns)
	generate := b.post("/accounts/"+ns+"/grants", url.Values{"access": {"Limited"}, "duration": {"1h"}})
	policy := b.post("/accounts/"+ns+"/policy", url.Values{"inactivityTimeout": {"1h"}})

	// What kube-apiserver saw first, then what the user saw.
	events := consoleAudit(t, b.s.userAgent)
	g.Expect(events).NotTo(BeEmpty())
	g.Expect(checkSeenAs(events, []string{reader.name})).To(BeEmpty(), "neither %s nor the certificate's admin nor system:admin", baseUser)
	g.Expect(answered(events, "create", "supportaccessgrants")).To(ConsistOf(http.StatusForbidden))

	g.Expect(page.code).To(Equal(http.StatusOK))
	g.Expect(page.body).To(ContainSubstring("acting as <strong>" + reader.name + "</strong>"))
	g.Expect(generate.code).To(Equal(http.StatusForbidden), generate.body)
	g.Expect(policy.code).To(Equal(http.StatusForbidden), policy.body)
	g.Expect(grantNames(g, ns)).To(BeEmpty())
}

// One console serves many users in BearerTokens mode: each request acts with its own token.
func TestBearerTokensKeepUsersApart(t *testing.T) {
	g := NewWithT(t)
	ns := newAccount(t)
	admin := newUser(t, bearerMode, ns, roleAdmin)
	reader := newUser(t, bearerMode, ns, roleReadOnly)
	s := serveBearer(t, newUserAgent(admin.name, reader.name))
	as := func(u *user) *browser { return s.browser(t, http.Header{"Authorization": {"Bearer " + u.token}}) }
	a, r := as(admin), as(reader)
	for range 3 {
		g.Expect(a.get("/accounts/" + ns).body).To(ContainSubstring("acting as <strong>" + admin.name + "</strong>"))
		g.Expect(r.get("/accounts/" + ns).body).To(ContainSubstring("acting as <strong>" + reader.name + "</strong>"))
	}
	g.Expect(r.post("/accounts/"+ns+"/grants", url.Values{"access": {"Full"}, "duration": {"1h"}}).code).To(Equal(http.StatusForbidden))
	g.Expect(a.post("/accounts/"+ns+"/grants", url.Values{"access": {"Full"}, "duration": {"1h"}}).code).To(Equal(http.StatusSeeOther))
	g.Expect(r.post("/accounts/"+ns+"/grants", url.Values{"access": {"Full"}, "duration": {"1h"}}).code).To(Equal(http.StatusForbidden))
	g.Expect(grantNames(g, ns)).To(HaveLen(1))
	g.Expect(checkSeenAs(consoleAudit(t, s.userAgent), []string{admin.name, reader.name})).To(BeEmpty())
}
