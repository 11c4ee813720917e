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
	"context"
	"fmt"
	"strings"
	"testing"
)

// gatewayKind is one of the gateways under test, with the header set its auth service reads.
type gatewayKind struct {
	name  string
	mode  string // the auth service's --forward-auth-headers for this gateway
	start func(ctx context.Context, c Config) (*Process, error)
}

// gatewayKinds are the real gateways: the pinned Caddy from hack/build-caddy.sh's cache and
// Debian's nginx. A missing binary fails the test with how to get it; it never skips.
var gatewayKinds = []gatewayKind{
	{name: "caddy", mode: "forwarded", start: func(ctx context.Context, c Config) (*Process, error) {
		binary, err := CaddyBinary()
		if err != nil {
			return nil, err
		}
		return StartCaddy(ctx, binary, c)
	}},
	{name: "nginx", mode: "original", start: func(ctx context.Context, c Config) (*Process, error) {
		return StartNginx(ctx, NginxBinary, c)
	}},
}

// rig is a running gateway with two routes, 0 for account acme and 1 for account globex, in front
// of one recording demo app each and the stand-in auth service.
type rig struct {
	gw   *Process
	auth *authStub
	apps []*recordingApp
}

func startRig(t *testing.T, kind gatewayKind) *rig {
	t.Helper()
	auth, authSrv := newAuthStub(t, kind.mode)
	r := &rig{auth: auth}
	c := Config{Auth: strings.TrimPrefix(authSrv.URL, "http://"), Dir: t.TempDir()}
	for _, account := range []string{"acme", "globex"} {
		app, appSrv := newRecordingApp(t, account)
		r.apps = append(r.apps, app)
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		c.Routes = append(c.Routes, Route{
			Listen:  fmt.Sprintf("127.0.0.1:%d", port),
			Account: account,
			App:     strings.TrimPrefix(appSrv.URL, "http://"),
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	gw, err := kind.start(ctx, c)
	if err != nil {
		t.Fatalf("starting %s: %v", kind.name, err)
	}
	r.gw = gw
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s's logs:\n%s", kind.name, gw.Logs())
		}
		if err := gw.Stop(); err != nil {
			t.Errorf("stopping %s: %v", kind.name, err)
		}
	})
	return r
}
