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

package gateway

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/supportaccess/support-access-operator/hack/demoapp"
)

// recordingApp is the demo app, recording every request that reaches it: what the gateway let
// through, with the headers as the app received them.
type recordingApp struct {
	app http.Handler

	mu       sync.Mutex
	requests []*http.Request
}

func newRecordingApp(t *testing.T, account string) (*recordingApp, *httptest.Server) {
	a := &recordingApp{app: demoapp.Handler(account)}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv
}

func (a *recordingApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests = append(a.requests, r.Clone(r.Context()))
	a.mu.Unlock()
	a.app.ServeHTTP(w, r)
}

// count returns how many requests reached the app.
func (a *recordingApp) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests)
}

// last returns the last request that reached the app.
func (a *recordingApp) last(t *testing.T) *http.Request {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.requests) == 0 {
		t.Fatal("no request reached the app")
	}
	return a.requests[len(a.requests)-1]
}
