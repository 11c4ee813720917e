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
	"os"
	"path/filepath"
	"syscall"
)

// CaddyVersion is the Caddy the browser tests and the tour run, built by hack/build-caddy.sh.
const CaddyVersion = "2.11.9"

// StartCaddy writes CaddyConfig(c) to c.Dir/Caddyfile, has Caddy validate it, runs Caddy and waits
// until every route accepts connections. Caddy is killed when ctx ends; Stop stops it gracefully.
// Its output goes to c.Dir/caddy.log, its access log to c.Dir/caddy-access.log.
func StartCaddy(ctx context.Context, binary string, c Config) (*Process, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := checkBinary("caddy", binary,
		"build it with hack/build-caddy.sh "+CaddyVersion+" bin/caddy-"+CaddyVersion); err != nil {
		return nil, err
	}
	conf := filepath.Join(c.Dir, "Caddyfile")
	if err := writeConfig(c.Dir, conf, CaddyConfig(c)); err != nil {
		return nil, err
	}
	// Caddy's data and configuration directories, kept out of $HOME like its storage.
	env := append(os.Environ(),
		"XDG_DATA_HOME="+filepath.Join(c.Dir, "caddy-xdg-data"),
		"XDG_CONFIG_HOME="+filepath.Join(c.Dir, "caddy-xdg-config"),
	)
	if err := runCheck(ctx, "caddy validate "+conf, c.Dir, env, binary,
		"validate", "--adapter", "caddyfile", "--config", conf); err != nil {
		return nil, err
	}
	p, err := start(ctx, launch{
		name:       "caddy",
		binary:     binary,
		args:       []string{"run", "--adapter", "caddyfile", "--config", conf},
		env:        env,
		log:        filepath.Join(c.Dir, "caddy.log"),
		logs:       []string{filepath.Join(c.Dir, "caddy.log"), filepath.Join(c.Dir, "caddy-access.log")},
		stopSignal: syscall.SIGTERM,
	}, c)
	if err != nil {
		return nil, fmt.Errorf("starting caddy with %s: %w", conf, err)
	}
	return p, nil
}
