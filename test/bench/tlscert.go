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

package main

import (
	"crypto/tls"
	"net/http"

	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// trust makes the bench's auth-service client (authClient) trust the certificate's CA.
func trust(c *testutil.ServingCert) {
	if t, ok := authClient.Transport.(*http.Transport); ok {
		t.TLSClientConfig = &tls.Config{RootCAs: c.Pool, MinVersion: tls.VersionTLS12}
	}
}
