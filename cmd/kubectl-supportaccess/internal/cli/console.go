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

package cli

import (
	"context"
	"fmt"
	"html"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/supportaccess/support-access-operator/internal/console"
)

type consoleOptions struct {
	port      int
	noBrowser bool
	cluster   *clusterFlags
}

func newConsoleCommand(env Env) *cobra.Command {
	o := &consoleOptions{}
	c := &cobra.Command{
		Use:   "console [-n ACCOUNT] [--port 0] [--no-browser]",
		Short: "Open the account's \"Customer support access\" page in your browser",
		Long: `Serve the account admin's web page on a loopback port: generate credentials, copy them, renew and
revoke access, end sessions and set the account's session timeout. The page acts with your kubeconfig's
credentials, as kubectl does, so your RBAC decides what it may do; it is yours alone: the printed link
opens it once, in one browser, and nothing else on this machine or on the web can use it.
Ctrl-C stops it.`,
		Example: `  kubectl supportaccess console -n acme
  kubectl supportaccess console -n acme --port 8765 --no-browser`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return o.run(c.Context(), env)
		},
	}
	c.Flags().IntVar(&o.port, "port", 0, "loopback port to serve on; 0 picks a free one")
	c.Flags().BoolVar(&o.noBrowser, "no-browser", false, "print the link only; do not open a browser")
	o.cluster = addClusterFlags(c)
	return c
}

func (o *consoleOptions) run(ctx context.Context, env Env) error {
	if o.port < 0 || o.port > 65535 {
		return fmt.Errorf("invalid --port %d: must be between 0 and 65535", o.port)
	}
	cfg, namespace, err := o.cluster.restConfig(env)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port)))
	if err != nil {
		return fmt.Errorf("listen on 127.0.0.1:%d: %w", o.port, err)
	}
	mode, err := console.NewLoopback(cfg, ln.Addr())
	if err != nil {
		_ = ln.Close()
		return err
	}
	c, err := console.New(console.Options{Mode: mode, Namespace: namespace, UserAgent: userAgent + "/console"})
	if err != nil {
		_ = ln.Close()
		return err
	}
	url := mode.StartURL("/accounts/" + namespace)
	fmt.Fprintf(env.Out, "Customer support access for account %q, acting as your kubeconfig's user:\n\n  %s\n\n", namespace, url)
	fmt.Fprintln(env.Out, "The link opens the console once, in one browser. Ctrl-C stops it.")
	if !o.noBrowser && env.OpenBrowser != nil {
		page, cleanup, err := launchPage(url)
		if err == nil {
			defer cleanup()
			err = env.OpenBrowser(page)
		}
		if err != nil {
			fmt.Fprintf(env.ErrOut, "Could not open a browser (%v): open the link yourself.\n", err)
		}
	}
	return console.Serve(ctx, ln, c)
}

// launchPage writes a page, readable by the user only, that sends the browser on to link, and
// returns its file URL. The browser gets that instead of the link itself: an opener's command
// line (xdg-open's, the browser's) can be read by every user of the machine (/proc/*/cmdline),
// and the link's one-time token would be theirs to spend first.
func launchPage(link string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "supportaccess-console-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	path := filepath.Join(dir, "open.html")
	escaped := html.EscapeString(link)
	body := "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n" +
		"<meta http-equiv=\"refresh\" content=\"0;url=" + escaped + "\">\n" +
		"<title>Customer support access</title>\n<p><a href=\"" + escaped + "\">Open the console</a></p>\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		cleanup()
		return "", nil, err
	}
	return (&neturl.URL{Scheme: "file", Path: path}).String(), cleanup, nil
}
