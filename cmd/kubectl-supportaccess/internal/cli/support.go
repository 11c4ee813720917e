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
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/authclient"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/execcred"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/sessioncache"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/validate"
)

// Flag names of the support staff's commands.
const (
	flagServer   = "server"
	flagEmail    = "email"
	flagCAFile   = "certificate-authority"
	flagInsecure = "insecure-skip-tls-verify"
)

// supportFlags name one session: the auth service and the login email, and how to trust the
// service.
type supportFlags struct {
	server, email, caFile string
	insecure              bool
}

// supportCommand completes the command of a support staff action: no arguments, the flags that
// name the auth service and the login (supportFlags), and run called with the target they name.
func supportCommand(c *cobra.Command, run func(ctx context.Context, t target) error) *cobra.Command {
	flags := addSupportFlags(c)
	c.Args = noArgs
	c.RunE = func(c *cobra.Command, _ []string) error {
		t, err := flags.resolve(c)
		if err != nil {
			return err
		}
		return run(c.Context(), t)
	}
	return c
}

func addSupportFlags(c *cobra.Command) *supportFlags {
	f := &supportFlags{}
	c.Flags().StringVar(&f.server, flagServer, "", "the auth service's URL, e.g. https://support-auth.example.com (required)")
	c.Flags().StringVar(&f.email, flagEmail, "", "the login email of the grant (required)")
	c.Flags().StringVar(&f.caFile, flagCAFile, "", "PEM file of the CA that signed the auth service's certificate (default: the system's CAs)")
	c.Flags().BoolVar(&f.insecure, flagInsecure, false, "do not verify the auth service's certificate (for testing only)")
	return f
}

// target is a validated session name plus its TLS settings.
type target struct {
	server, email, caFile string
	insecure              bool
	// tlsFromFlags is true when --certificate-authority or --insecure-skip-tls-verify was given;
	// otherwise `token` and `logout` use the settings the login stored.
	tlsFromFlags bool
}

// resolve validates the flags.
func (f *supportFlags) resolve(c *cobra.Command) (target, error) {
	server, err := validate.ServerURL(f.server)
	if err != nil {
		return target{}, err
	}
	email, err := validate.Email(f.email)
	if err != nil {
		return target{}, err
	}
	if err := validate.TLSFlags(server, f.caFile, f.insecure); err != nil {
		return target{}, err
	}
	t := target{server: server, email: email, insecure: f.insecure,
		tlsFromFlags: c.Flags().Changed(flagCAFile) || c.Flags().Changed(flagInsecure)}
	if f.caFile != "" {
		// Absolute, so that the kubeconfig snippet and the cache work from any directory.
		if t.caFile, err = filepath.Abs(f.caFile); err != nil {
			return target{}, fmt.Errorf("invalid --%s %q: %w", flagCAFile, f.caFile, err)
		}
	}
	return t, nil
}

// withCachedTLS takes the TLS settings of the stored login unless flags gave them.
func (t target) withCachedTLS(s *sessioncache.Session) target {
	if s != nil && !t.tlsFromFlags {
		t.caFile, t.insecure = s.CertificateAuthority, s.InsecureSkipTLSVerify
	}
	return t
}

func (t target) client() (*authclient.Client, error) {
	return authclient.New(authclient.Options{Server: t.server, CAFile: t.caFile, InsecureSkipTLSVerify: t.insecure})
}

func (t target) exec() execcred.Exec {
	return execcred.Exec{Server: t.server, Email: t.email, CertificateAuthority: t.caFile, InsecureSkipTLSVerify: t.insecure}
}

// loginCommand is the command line that logs in to t again.
func (t target) loginCommand() string {
	args := t.exec().Args()
	return displayName + " login " + strings.Join(args[1:], " ")
}

// loginAndStore logs in with password and stores the session in the cache.
func loginAndStore(ctx context.Context, env Env, t target, password string) (*sessioncache.Session, string, error) {
	client, err := t.client()
	if err != nil {
		return nil, "", err
	}
	resp, err := client.Login(ctx, t.email, password)
	if authclient.IsUnauthorized(err) {
		return nil, "", fmt.Errorf("login as %s at %s failed: wrong email or password, or the grant's access has ended (expired or revoked); ask the account owner for current credentials", t.email, t.server)
	}
	if err != nil {
		return nil, "", err
	}
	s := &sessioncache.Session{
		Server: t.server, Email: t.email, Token: resp.Token,
		ExpiresAt: resp.ExpiresAt, IdleTimeoutSeconds: resp.IdleTimeoutSeconds,
		AccessLevel: resp.AccessLevel, Account: resp.Account, Grant: resp.Grant,
		LoggedInAt:           env.Now().UTC(),
		CertificateAuthority: t.caFile, InsecureSkipTLSVerify: t.insecure,
	}
	dir, err := env.CacheDir()
	if err != nil {
		return nil, "", err
	}
	if err := sessioncache.Save(dir, s); err != nil {
		return nil, "", err
	}
	return s, sessioncache.Path(dir, t.server, t.email), nil
}
