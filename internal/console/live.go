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
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"
)

const (
	// liveDebounce gathers a burst of watch events (a grant's issue touches it, its Secret and
	// its status within milliseconds) into one update; well inside the console's 2 s
	// (docs/reference.md#console).
	liveDebounce = 150 * time.Millisecond
	// liveHeartbeat keeps proxies from closing an idle stream.
	liveHeartbeat = 20 * time.Second
	// liveWriteTimeout bounds one write to a browser that stopped reading.
	liveWriteTimeout = 10 * time.Second
	// watchRetryMin and watchRetryMax bound the wait before a watch that ended is started again.
	watchRetryMin, watchRetryMax = 500 * time.Millisecond, 10 * time.Second
	// maxLiveStreams bounds the streams open at once: each holds three watches on kube-apiserver
	// (as its user) and a goroutine per watch here. maxLiveStreamsPerUser keeps one user (a
	// script, a browser with many tabs) from taking them all.
	maxLiveStreams             = 256
	maxLiveStreamsPerUser      = 16
	maxLiveStreamsPerNamespace = 32
	// liveMinInterval spaces one stream's reads of the account: however fast a tenant changes its
	// objects, a stream reads at most once a second (and shows a change within the console's 2 s).
	liveMinInterval = time.Second
	// liveMaxLifetime ends a stream, which the browser opens again at once: with the SSO proxy's
	// current token, so a stream never outlives the user's sign-in by long.
	liveMaxLifetime = 15 * time.Minute
)

// liveUpdate is one message of the stream: the page's live parts, rendered as on the page.
type liveUpdate struct {
	Grants  string `json:"grants"`
	Policy  string `json:"policy"`
	Version string `json:"version"`
}

// live streams the account's page parts to the browser (server-sent events, read by
// web/console.js) each time a watch, as the user, sees a grant, policy or session change: what
// kubectl, GitOps or the operator (an expiry) did elsewhere shows within a second (docs/console.md).
func (c *Console) live(w http.ResponseWriter, r *http.Request, a *account) {
	if !c.streams.acquire(a.user, a.namespace) {
		http.Error(w, "too many live views open; close some tabs or reload later", http.StatusServiceUnavailable)
		return
	}
	defer c.streams.release(a.user, a.namespace)
	ctx, cancel := context.WithTimeout(r.Context(), liveMaxLifetime)
	defer cancel()
	// The stream opens with the account as it is now, not at its next change: the page may have
	// been read before a change the watches below do not replay (a deletion; a stream that
	// reconnects), and the account may be empty, so that no watch ever says anything. A user
	// who may not read the account gets the API's refusal as the answer, as the page does,
	// rather than a stream that stays silent and holds one of the console's slots.
	first, err := c.liveMessage(ctx, a)
	if err != nil {
		code, msg := c.apiError(err)
		writeMessage(w, code, "Cannot open account "+a.namespace, msg)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no") // nginx-based proxies: pass each event on at once
	w.WriteHeader(http.StatusOK)
	_ = rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout))
	if _, err := w.Write(first); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	changes := make(chan struct{}, 1)
	for _, start := range []func(context.Context, string) (watch.Interface, error){
		a.client.WatchGrants, a.client.WatchPolicies, a.client.WatchSessions,
	} {
		go c.follow(ctx, a.namespace, start, changes)
	}
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	lastRead := time.Now()
	heartbeat := time.NewTicker(liveHeartbeat)
	defer heartbeat.Stop()
	pending := false
	for {
		var msg []byte
		select {
		case <-ctx.Done():
			return
		case <-changes:
			if !pending {
				pending = true
				debounce.Reset(max(liveDebounce, liveMinInterval-time.Since(lastRead)))
			}
			continue
		case <-heartbeat.C:
			msg = []byte(": keep-alive\n\n")
		case <-debounce.C:
			pending = false
			lastRead = time.Now()
			if msg, err = c.liveMessage(ctx, a); err != nil {
				_, text := c.apiError(err)
				msg = event("failure", text)
				if apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err) {
					// The user lost access (or signed out): the stream ends with the reason.
					_ = rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout))
					_, _ = w.Write(msg)
					_ = rc.Flush()
					return
				}
			}
		}
		_ = rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout))
		if _, err := w.Write(msg); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// liveMessage reads the account again and renders its live parts as one server-sent event. The
// error is the read's (kube-apiserver's refusal, say); a page that cannot be rendered is a
// failure event.
func (c *Console) liveMessage(ctx context.Context, a *account) ([]byte, error) {
	page, err := c.readAccount(ctx, a.client, a.namespace)
	if err != nil {
		return nil, err
	}
	var grants, policy bytes.Buffer
	if err := templates.ExecuteTemplate(&grants, "grants", page); err != nil {
		c.opts.Log.Error(err, "Render the console's live grants")
		return event("failure", "the page could not be rendered"), nil
	}
	if err := templates.ExecuteTemplate(&policy, "policy", page); err != nil {
		c.opts.Log.Error(err, "Render the console's live session timeout")
		return event("failure", "the page could not be rendered"), nil
	}
	data, err := json.Marshal(liveUpdate{Grants: grants.String(), Policy: policy.String(), Version: page.Version})
	if err != nil {
		return event("failure", "the page could not be rendered"), nil
	}
	return event("update", string(data)), nil
}

// event is a server-sent event whose data is one line (JSON, or a message without newlines).
func event(name, data string) []byte {
	var b bytes.Buffer
	b.WriteString("event: " + name + "\ndata: ")
	for _, r := range data {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		b.WriteRune(r)
	}
	b.WriteString("\n\n")
	return b.Bytes()
}

// follow runs one watch as the user until ctx ends, signalling changes; a watch that ends is
// started again after a growing pause. Each start signals a change too: what changed while no
// watch ran (a deletion, which a new watch does not replay) is read again. A watch RBAC refuses
// is not retried: the page says that what it would show is not readable.
func (c *Console) follow(ctx context.Context, namespace string, start func(context.Context, string) (watch.Interface, error), changes chan<- struct{}) {
	pause := watchRetryMin
	for ctx.Err() == nil {
		w, err := start(ctx, namespace)
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			return
		}
		if err == nil {
			began := time.Now()
			signal(changes)
			for ev := range w.ResultChan() {
				if ev.Type == watch.Error {
					break
				}
				signal(changes)
			}
			w.Stop()
			if time.Since(began) > watchRetryMax {
				pause = watchRetryMin
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, watchRetryMax)
	}
}

// signal notes a change for the stream without waiting: one pending change is enough.
func signal(changes chan<- struct{}) {
	select {
	case changes <- struct{}{}:
	default:
	}
}

// streamCounter counts the live streams open, in all, per user and per account.
type streamCounter struct {
	mu          sync.Mutex
	total       int
	byUser      map[string]int
	byNamespace map[string]int
}

// acquire counts a new stream of user on namespace, unless that would pass a bound.
func (s *streamCounter) acquire(user, namespace string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total >= maxLiveStreams || s.byUser[user] >= maxLiveStreamsPerUser || s.byNamespace[namespace] >= maxLiveStreamsPerNamespace {
		return false
	}
	if s.byUser == nil {
		s.byUser, s.byNamespace = map[string]int{}, map[string]int{}
	}
	s.total++
	s.byUser[user]++
	s.byNamespace[namespace]++
	return true
}

// release forgets a stream of user on namespace.
func (s *streamCounter) release(user, namespace string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.byUser[user]--; s.byUser[user] <= 0 {
		delete(s.byUser, user)
	}
	if s.byNamespace[namespace]--; s.byNamespace[namespace] <= 0 {
		delete(s.byNamespace, namespace)
	}
}
