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

package console

import (
	"context"
	"net/http"

	"k8s.io/client-go/rest"
)

// Mode decides whose credentials a request acts with. The two modes are Loopback and
// BearerTokens; the interface is sealed, so no other way of choosing credentials can be plugged in.
type Mode interface {
	// authenticate serves next with the user's rest.Config in the request's context (userConfig),
	// or answers the request itself with a refusal.
	authenticate(next http.Handler) http.Handler
}

type userConfigKey struct{}

// withUserConfig returns ctx carrying the config of the request's user.
func withUserConfig(ctx context.Context, cfg *rest.Config) context.Context {
	return context.WithValue(ctx, userConfigKey{}, cfg)
}

// userConfig returns the config of the request's user, which Mode put there.
func userConfig(ctx context.Context) (*rest.Config, bool) {
	cfg, ok := ctx.Value(userConfigKey{}).(*rest.Config)
	return cfg, ok
}
