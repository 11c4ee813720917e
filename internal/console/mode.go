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

// requestUser is whose credentials a request acts with.
type requestUser struct {
	cfg *rest.Config
	// key tells users apart without holding their credential (a token's hash): the live
	// streams are counted per key.
	key string
}

type userKey struct{}

// withUser returns ctx carrying the request's user.
func withUser(ctx context.Context, u requestUser) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// userOf returns the request's user, which Mode put there.
func userOf(ctx context.Context) (requestUser, bool) {
	u, ok := ctx.Value(userKey{}).(requestUser)
	return u, ok && u.cfg != nil
}
