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
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
)

// Route is one site of the gateway: one local port in front of one account's app.
type Route struct {
	// Listen is the loopback address of the route, "127.0.0.1:<port>" (or "localhost:<port>" or
	// ":<port>", which mean the same). The port must be chosen (FreePort): Caddy cannot be asked for
	// an ephemeral one and tell it back.
	Listen string
	// Account is the account (namespace) the route serves; it names the forward-auth endpoint.
	Account string
	// App is the demo app's upstream host:port, plain HTTP.
	App string
}

// Config is a gateway with its routes.
type Config struct {
	// Auth is the auth service's host:port, plain HTTP.
	Auth   string
	Routes []Route
	// Dir is the state directory: the configuration, the logs, nginx's pid and temporary files.
	Dir string
}

// accountName is a Kubernetes namespace name (an RFC 1123 label): it goes into URIs and
// configuration text unquoted, so nothing else may.
var accountName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// hostName is a DNS name or an IPv4 address; IPv6 literals are checked with net.ParseIP.
var hostName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$`)

// safePath is the character set a state directory may use: the path is written into both
// configuration languages, and nginx expands '$' in some paths, so anything that would need
// quoting is refused instead.
var safePath = regexp.MustCompile(`^[A-Za-z0-9/._+@,=~-]+$`)

// Validate checks everything the configuration renderers write unquoted, so that a rendered
// configuration always means what the Config says. StartCaddy and StartNginx call it.
func (c Config) Validate() error {
	var errs []error
	if err := validateHostPort(c.Auth); err != nil {
		errs = append(errs, fmt.Errorf("auth %q: %w", c.Auth, err))
	}
	if !filepath.IsAbs(c.Dir) || !safePath.MatchString(c.Dir) {
		errs = append(errs, fmt.Errorf("dir %q: must be an absolute path of letters, digits and /._+@,=~-", c.Dir))
	}
	if len(c.Routes) == 0 {
		errs = append(errs, errors.New("routes: at least one is needed"))
	}
	ports := map[int]int{}
	for i, r := range c.Routes {
		port, err := listenPort(r.Listen)
		if err != nil {
			errs = append(errs, fmt.Errorf("routes[%d].listen %q: %w", i, r.Listen, err))
		} else if j, dup := ports[port]; dup {
			errs = append(errs, fmt.Errorf("routes[%d].listen %q: port already used by routes[%d]", i, r.Listen, j))
		} else {
			ports[port] = i
		}
		if !accountName.MatchString(r.Account) {
			errs = append(errs, fmt.Errorf("routes[%d].account %q: must be a namespace name (RFC 1123 label)", i, r.Account))
		}
		if err := validateHostPort(r.App); err != nil {
			errs = append(errs, fmt.Errorf("routes[%d].app %q: %w", i, r.App, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid gateway config: %w", err)
	}
	return nil
}

// listenPort returns the port of a route's loopback listen address.
func listenPort(listen string) (int, error) {
	host, portText, err := net.SplitHostPort(listen)
	if err != nil {
		return 0, fmt.Errorf("must be 127.0.0.1:<port>: %w", err)
	}
	if host != "" && host != "127.0.0.1" && host != "localhost" {
		return 0, errors.New("must be on loopback, 127.0.0.1")
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return 0, errors.New("port must be 1 to 65535 (choose one with FreePort)")
	}
	return port, nil
}

// validateHostPort checks an upstream address: a host name or IP and a port, nothing else.
func validateHostPort(hostport string) error {
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("must be host:port: %w", err)
	}
	if port, err := strconv.Atoi(portText); err != nil || port < 1 || port > 65535 {
		return errors.New("port must be 1 to 65535")
	}
	if net.ParseIP(host) == nil && !hostName.MatchString(host) {
		return errors.New("host must be a DNS name or an IP address")
	}
	return nil
}

// port returns the route's port; only for a validated Config.
func (r Route) port() int {
	p, _ := listenPort(r.Listen)
	return p
}
