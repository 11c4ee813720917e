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

// Package tlslisten serves a listener over TLS with a certificate from a directory (tls.crt and
// tls.key, as a Kubernetes TLS Secret mounts them), reloaded when the files change: how the auth
// service and the console take their certificates (--auth-cert-dir, --console-cert-dir).
package tlslisten

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
)

// Wrap returns ln serving TLS 1.2 or later with the certificate in certDir, watched for changes
// until ctx ends. On error ln is closed.
func Wrap(ctx context.Context, ln net.Listener, certDir string, log logr.Logger) (net.Listener, error) {
	watcher, err := certwatcher.New(filepath.Join(certDir, "tls.crt"), filepath.Join(certDir, "tls.key"))
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("load the certificate from %s: %w", certDir, err)
	}
	go func() {
		if err := watcher.Start(ctx); err != nil {
			log.Error(err, "Certificate watcher stopped", "certDir", certDir)
		}
	}()
	return tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: watcher.GetCertificate}), nil
}
