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

// Command echo is the baseline of the tokenreview benchmark: a trivial JSON handler (package
// internal/echo) on the same server stack as the auth service (Go net/http, the same http.Server
// settings), in its own process like the manager. It answers every TokenReview with the answer the
// manager gave for a valid token, re-encoded per request, so both move the same bytes. With
// -forward-auth-response it is the forwardauth benchmark's too: every /v1/forward-auth/<account>
// check is answered with the headers of the manager's answer for an allowed request. With -cert-dir
// it serves TLS as the auth service does with --auth-cert-dir (internal/tlslisten: TLS 1.2 or
// later, HTTP/1.1).
package main

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/supportaccess/support-access-operator/test/bench/internal/echo"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "Listen address.")
	responseFile := flag.String("response", "", "A TokenReview (JSON) whose status every answer carries: the manager's answer for a valid token.")
	forwardAuthFile := flag.String("forward-auth-response", "", "The headers (JSON: name to values) every forward-auth answer "+
		"carries: the manager's answer for an allowed request.")
	certDir := flag.String("cert-dir", "", "Directory with tls.crt and tls.key: serve TLS, as the auth service with --auth-cert-dir.")
	flag.Parse()
	if err := run(*addr, *responseFile, *forwardAuthFile, *certDir); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

func run(addr, responseFile, forwardAuthFile, certDir string) error {
	var template echo.TokenReview
	if responseFile != "" {
		data, err := os.ReadFile(responseFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &template); err != nil {
			return fmt.Errorf("decode %s: %w", responseFile, err)
		}
	}
	forwardAuthAnswer := http.Header{}
	if forwardAuthFile != "" {
		data, err := os.ReadFile(forwardAuthFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &forwardAuthAnswer); err != nil {
			return fmt.Errorf("decode %s: %w", forwardAuthFile, err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/tokenreview", echo.Handler(template))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	forwardAuth := echo.ForwardAuthHandler(forwardAuthAnswer)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if certDir != "" {
		// As internal/tlslisten wraps the auth service's listener: no ALPN, so HTTP/1.1, as there.
		cert, err := tls.LoadX509KeyPair(filepath.Join(certDir, "tls.crt"), filepath.Join(certDir, "tls.key"))
		if err != nil {
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }})
	}
	// The auth service's settings (internal/auth/service.go).
	srv := &http.Server{
		// As the auth service routes (internal/auth/service.go): forward auth before the mux.
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.RequestURI, "/v1/forward-auth/") {
				forwardAuth(w, r)
				return
			}
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-stop
		_ = srv.Close()
	}()
	fmt.Println(ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
