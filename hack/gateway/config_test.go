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
	"strings"
	"testing"
)

func validConfig() Config {
	return Config{
		Auth: "127.0.0.1:8444",
		Dir:  "/tmp/gateway-state",
		Routes: []Route{
			{Listen: "127.0.0.1:18080", Account: "acme", App: "127.0.0.1:9000"},
			{Listen: "localhost:18081", Account: "globex-2", App: "demo-app.acme.svc:80"},
		},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		// wantErr is a substring of the error; empty for a valid config.
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"IPv6 auth", func(c *Config) { c.Auth = "[::1]:8444" }, ""},
		{"listen without host", func(c *Config) { c.Routes[0].Listen = ":18080" }, ""},
		{"no routes", func(c *Config) { c.Routes = nil }, "at least one"},
		{"auth without port", func(c *Config) { c.Auth = "127.0.0.1" }, `auth "127.0.0.1"`},
		{"auth with a path", func(c *Config) { c.Auth = "127.0.0.1:8444/x" }, "port must be"},
		{"auth host with a space", func(c *Config) { c.Auth = "a b:80" }, "host must be"},
		{"auth host with a brace", func(c *Config) { c.Auth = "a}:80" }, "host must be"},
		{"relative dir", func(c *Config) { c.Dir = "state" }, "absolute"},
		{"dir with a space", func(c *Config) { c.Dir = "/tmp/a b" }, "dir"},
		{"dir with a variable", func(c *Config) { c.Dir = "/tmp/$host" }, "dir"},
		{"dir with a semicolon", func(c *Config) { c.Dir = "/tmp/a;b" }, "dir"},
		{"ephemeral port", func(c *Config) { c.Routes[0].Listen = "127.0.0.1:0" }, "FreePort"},
		{"port out of range", func(c *Config) { c.Routes[0].Listen = "127.0.0.1:70000" }, "port must be"},
		{"not loopback", func(c *Config) { c.Routes[0].Listen = "0.0.0.0:18080" }, "loopback"},
		{"same port twice", func(c *Config) { c.Routes[1].Listen = "127.0.0.1:18080" }, "already used by routes[0]"},
		{"empty account", func(c *Config) { c.Routes[0].Account = "" }, "routes[0].account"},
		{"account with a slash", func(c *Config) { c.Routes[0].Account = "acme/../x" }, "routes[0].account"},
		{"account in capitals", func(c *Config) { c.Routes[0].Account = "Acme" }, "routes[0].account"},
		{"account too long", func(c *Config) { c.Routes[0].Account = strings.Repeat("a", 64) }, "routes[0].account"},
		{"app without port", func(c *Config) { c.Routes[1].App = "demo" }, "routes[1].app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("no error, want one with %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("error %q, want one with %q", err, tt.wantErr)
			}
		})
	}
}

// TestRenderedConfigs checks the lines each route's configuration must have; that the whole is
// valid and does what it should, the tests with the real gateways show.
func TestRenderedConfigs(t *testing.T) {
	c := validConfig()
	copyHeaders := "copy_headers " + strings.Join(identityHeaders, " ")
	tests := []struct {
		name     string
		rendered string
		want     []string
	}{
		{"caddy", CaddyConfig(c), []string{
			"\tadmin off\n",
			"\tpersist_config off\n",
			"\tauto_https off\n",
			"root /tmp/gateway-state/caddy-data\n",
			"http://localhost:18080, http://127.0.0.1:18080, http://*.localhost:18080 {\n",
			"http://localhost:18081, http://127.0.0.1:18081, http://*.localhost:18081 {\n",
			"\tbind 127.0.0.1\n",
			"handle /.supportaccess/* {\n\t\treverse_proxy 127.0.0.1:8444\n",
			"header_up -X-Original-Uri\n",
			"header_up -X-Original-Method\n",
			"forward_auth 127.0.0.1:8444 {\n",
			"uri /v1/forward-auth/acme?\n",
			"uri /v1/forward-auth/globex-2?\n",
			copyHeaders + "\n",
			"reverse_proxy 127.0.0.1:9000\n",
			"reverse_proxy demo-app.acme.svc:80\n",
		}},
		{"nginx", NginxConfig(c), []string{
			"daemon off;\n",
			"master_process off;\n",
			"pid /tmp/gateway-state/nginx.pid;\n",
			"error_log /tmp/gateway-state/nginx-error.log info;\n",
			"client_body_temp_path /tmp/gateway-state/nginx-tmp/client_body;\n",
			"proxy_temp_path /tmp/gateway-state/nginx-tmp/proxy;\n",
			"listen 127.0.0.1:18080;\n",
			"listen 127.0.0.1:18081;\n",
			"location /.supportaccess/ {\n\t\t\tproxy_pass http://127.0.0.1:8444;\n",
			"location = /_supportaccess_auth {\n\t\t\tinternal;\n",
			"proxy_pass http://127.0.0.1:8444/v1/forward-auth/acme;\n",
			"proxy_pass http://127.0.0.1:8444/v1/forward-auth/globex-2;\n",
			"proxy_pass_request_body off;\n",
			"proxy_set_header Content-Length \"\";\n",
			"proxy_set_header X-Original-URI $request_uri;\n",
			"proxy_set_header X-Original-Method $request_method;\n",
			"auth_request /_supportaccess_auth;\n",
			"auth_request_set $supportaccess_x_supportaccess_access_level $upstream_http_x_supportaccess_access_level;\n",
			"auth_request_set $supportaccess_remote_user $upstream_http_remote_user;\n",
			"auth_request_set $supportaccess_login_url $upstream_http_x_supportaccess_login_url;\n",
			"proxy_set_header X-Supportaccess-Access-Level $supportaccess_x_supportaccess_access_level;\n",
			"proxy_set_header Remote-User $supportaccess_remote_user;\n",
			"error_page 401 = @supportaccess_login;\n",
			"error_page 403 = @supportaccess_forbidden;\n",
			"return 302 $supportaccess_login_url;\n",
			"return 303 $supportaccess_login_url;\n",
			"rewrite ^ /v1/forward-auth/acme? break;\n",
			"proxy_pass http://demo-app.acme.svc:80;\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.rendered, w) {
					t.Errorf("configuration lacks %q", w)
				}
			}
			if strings.Contains(tt.rendered, "<no value>") {
				t.Error("configuration has a missing template value")
			}
			if tt.name == "nginx" && strings.Contains(tt.rendered, "\nuser ") {
				t.Error("nginx configuration has a user directive")
			}
		})
	}
}
