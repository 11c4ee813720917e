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
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// oneRoute is a config with one route on a free port, in front of nothing: enough to start a gateway.
func oneRoute(t *testing.T) Config {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Auth:   "127.0.0.1:9",
		Dir:    t.TempDir(),
		Routes: []Route{{Listen: fmt.Sprintf("127.0.0.1:%d", port), Account: "acme", App: "127.0.0.1:9"}},
	}
}

func TestFreePort(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port %d from FreePort cannot be listened on: %v", port, err)
	}
	_ = l.Close()
}

func TestStopAndContext(t *testing.T) {
	tests := []struct {
		name string
		// end ends the gateway's life one way or the other.
		end func(cancel context.CancelFunc, p *Process) error
	}{
		{"Stop is graceful and may be repeated", func(_ context.CancelFunc, p *Process) error {
			if err := p.Stop(); err != nil {
				return err
			}
			return p.Stop()
		}},
		{"the context's end kills it", func(cancel context.CancelFunc, p *Process) error {
			cancel()
			select {
			case <-p.done:
			case <-time.After(stopGrace):
				return errors.New("still running after the context ended")
			}
			return p.Stop()
		}},
	}
	for _, kind := range gatewayKinds {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				c := oneRoute(t)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				p, err := kind.start(ctx, c)
				if err != nil {
					t.Fatalf("starting %s: %v", kind.name, err)
				}
				if got := p.URL(0); got != fmt.Sprintf("http://localhost:%d", c.Routes[0].port()) {
					t.Errorf("URL(0) = %q", got)
				}
				if err := tt.end(cancel, p); err != nil {
					t.Fatalf("stopping: %v\n%s", err, p.Logs())
				}
				if accepting(c.Routes[0].Listen) {
					t.Errorf("%s still accepts connections after it stopped", c.Routes[0].Listen)
				}
			})
		}
	}
}

func TestStartFailsClearly(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, c *Config)
		binary  string
		wantErr string
	}{
		{
			name: "the port is taken",
			prepare: func(t *testing.T, c *Config) {
				l, err := net.Listen("tcp", c.Routes[0].Listen)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = l.Close() })
			},
			wantErr: "address already in use",
		},
		{
			name:    "the configuration is invalid",
			prepare: func(_ *testing.T, c *Config) { c.Routes[0].Account = "Not An Account" },
			wantErr: "routes[0].account",
		},
		{
			name:    "the binary is missing",
			prepare: func(*testing.T, *Config) {},
			binary:  "/nonexistent/gateway",
			wantErr: "no such file",
		},
	}
	starters := map[string]func(ctx context.Context, binary string, c Config) (*Process, error){
		"caddy": StartCaddy,
		"nginx": StartNginx,
	}
	for _, kind := range gatewayKinds {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				c := oneRoute(t)
				tt.prepare(t, &c)
				binary := tt.binary
				if binary == "" {
					binary = NginxBinary
					if kind.name == "caddy" {
						var err error
						if binary, err = CaddyBinary(); err != nil {
							t.Fatal(err)
						}
					}
				}
				ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
				defer cancel()
				start := time.Now()
				p, err := starters[kind.name](ctx, binary, c)
				if err == nil {
					_ = p.Stop()
					t.Fatal("started, want an error")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q, want one with %q", err, tt.wantErr)
				}
				if elapsed := time.Since(start); elapsed > readyTimeout/2 {
					t.Errorf("failing took %s: it should be found at once", elapsed)
				}
			})
		}
	}
}
