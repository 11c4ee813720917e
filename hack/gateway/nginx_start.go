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

// NginxBinary is Debian's nginx, which has the auth_request module the configuration needs.
const NginxBinary = "/usr/sbin/nginx"

// StartNginx writes NginxConfig(c) to c.Dir/nginx.conf, has nginx check it (nginx -t), runs nginx
// and waits until every route accepts connections. nginx is killed when ctx ends; Stop stops it
// gracefully. Its error log is c.Dir/nginx-error.log, its access log c.Dir/nginx-access.log.
func StartNginx(ctx context.Context, binary string, c Config) (*Process, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := checkBinary("nginx", binary, "install it with hack/ensure-debian-package.sh "+NginxBinary+" nginx"); err != nil {
		return nil, err
	}
	conf := filepath.Join(c.Dir, "nginx.conf")
	if err := writeConfig(c.Dir, conf, NginxConfig(c)); err != nil {
		return nil, err
	}
	// nginx creates its temporary directories, but not their parent.
	if err := os.MkdirAll(filepath.Join(c.Dir, "nginx-tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("creating nginx's temporary directory: %w", err)
	}
	errorLog := filepath.Join(c.Dir, "nginx-error.log")
	// -p keeps relative paths in the state directory; -e moves the error log nginx opens before it
	// has read the configuration out of /var/log.
	args := []string{"-p", c.Dir, "-c", conf, "-e", errorLog}
	if err := runCheck(ctx, "nginx -t -c "+conf, c.Dir, os.Environ(), binary, append([]string{"-t", "-q"}, args...)...); err != nil {
		return nil, err
	}
	p, err := start(ctx, launch{
		name:       "nginx",
		binary:     binary,
		args:       args,
		env:        os.Environ(),
		log:        filepath.Join(c.Dir, "nginx.log"),
		logs:       []string{filepath.Join(c.Dir, "nginx.log"), errorLog, filepath.Join(c.Dir, "nginx-access.log")},
		stopSignal: syscall.SIGQUIT,
	}, c)
	if err != nil {
		return nil, fmt.Errorf("starting nginx with %s: %w", conf, err)
	}
	return p, nil
}
