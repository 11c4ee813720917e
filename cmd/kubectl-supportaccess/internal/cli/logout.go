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

	"github.com/spf13/cobra"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/authclient"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/sessioncache"
)

func newLogoutCommand(env Env) *cobra.Command {
	return supportCommand(&cobra.Command{
		Use:     "logout --server URL --email EMAIL",
		Short:   "End the stored session everywhere and remove it from the cache",
		Example: `  kubectl supportaccess logout --server https://support-auth.example.com --email support-abc123@support.invalid`,
	}, func(ctx context.Context, t target) error { return runLogout(ctx, env, t) })
}

func runLogout(ctx context.Context, env Env, t target) error {
	dir, err := env.CacheDir()
	if err != nil {
		return err
	}
	cached, err := sessioncache.Load(dir, t.server, t.email)
	if err != nil {
		return err
	}
	if cached == nil {
		fmt.Fprintf(env.Out, "Not logged in as %s at %s; nothing to do.\n", t.email, t.server)
		return nil
	}
	client, err := t.withCachedTLS(cached).client()
	if err != nil {
		return err
	}
	err = client.Logout(ctx, cached.Token)
	ended := authclient.IsUnauthorized(err)
	if err != nil && !ended {
		// Keep the session: it is still valid, and the user can retry.
		return fmt.Errorf("log out: %w", err)
	}
	if err := sessioncache.Delete(dir, t.server, t.email); err != nil {
		return err
	}
	if ended {
		fmt.Fprintf(env.Out, "The session of %s at %s had already ended; removed it from the cache.\n", t.email, t.server)
	} else {
		fmt.Fprintf(env.Out, "Logged out %s from %s: the session token no longer works anywhere.\n", t.email, t.server)
	}
	return nil
}
