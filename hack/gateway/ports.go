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
	"net"
	"strconv"
	"time"
)

// FreePort returns a loopback TCP port that was free a moment ago, for a Route's Listen. Caddy
// cannot report an ephemeral port back, so ports are chosen before the gateway starts; a port
// taken in between makes the start fail clearly (the gateway's log says so), not hang.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("releasing free port %d: %w", port, err)
	}
	return port, nil
}

// checkPortsFree fails when a route's port is already taken, typically by a gateway left running
// with the same fixed ports. Without it the readiness check would take the other listener for the
// new gateway; the gateway's own "address already in use" would come a moment too late.
func checkPortsFree(c Config) error {
	for i, r := range c.Routes {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port()))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("route %d: %s is not free: %w", i, addr, err)
		}
		if err := l.Close(); err != nil {
			return fmt.Errorf("route %d: releasing %s: %w", i, addr, err)
		}
	}
	return nil
}

// pollInterval is how often readiness is checked: each check is one local connect.
const pollInterval = 20 * time.Millisecond

// accepting reports whether something accepts TCP connections on addr.
func accepting(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// poll calls cond every pollInterval until it returns true or ctx ends.
func poll(ctx context.Context, cond func() bool) error {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}
