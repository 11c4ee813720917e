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

package e2esuite

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
)

const (
	// LoginDomain is the manager's --login-domain: seeing it in the issued emails proves the flag
	// reached the binary under test, not a default.
	LoginDomain = "support.test"
	// WebhookCacheTTL is kube-apiserver's --authentication-token-webhook-cache-ttl. Small, so that
	// the fixed 10 s success cache in front of every token authenticator
	// (docs/reference.md#token-caching-in-kube-apiserver) is what bounds how long kube-apiserver
	// still accepts a token the auth service already refuses, as in production with the recommended
	// TTL.
	WebhookCacheTTL = 2 * time.Second
	// LimitsConfigMap is the operator's limits ConfigMap in its namespace, and MaxGrantDuration
	// the grant cap it holds unless Options.MaxGrantDuration says otherwise (config/manager/limits.yaml's).
	LimitsConfigMap  = "support-access-limits"
	MaxGrantDuration = "720h"
	// APIServerSuccessCacheTTL is that fixed cache, which no flag changes.
	APIServerSuccessCacheTTL = 10 * time.Second
	// CommandTimeout bounds one kubectl or HTTP call, so that a hung call fails its test instead of
	// running into go test's global timeout.
	CommandTimeout = 30 * time.Second

	// startTimeout bounds the wait for the manager's probes once it runs; the build and the
	// control plane have their own deadlines.
	startTimeout = 60 * time.Second
	// managerStopGrace is how long the manager gets after SIGTERM before it is killed (and the
	// suite fails: a manager that does not shut down cleanly is a bug).
	managerStopGrace = 15 * time.Second
	// logTailLines of each log are printed when the suite fails, which rarely says why otherwise.
	logTailLines = 60
)

// Options are what differs between the suites that share this harness.
type Options struct {
	// Name starts each line the harness prints ("e2e: ..."), and names the temporary directory
	// and the logs saved to $ARTIFACTS, so that two suites run by one `go test` stay apart.
	Name string
	// OperatorNamespace, when set, is created before the manager starts and passed to it as
	// --operator-namespace: the manager creates its keyring Secret there on first start, so a suite
	// that checks who may read it knows where it is. Unset, the manager picks its default.
	OperatorNamespace string
	// Replicas is how many manager processes run against the one control plane, as a Deployment's
	// replicas do (0 means 1). Each has its own auth service (Suite.AuthURLs); kube-apiserver's
	// token webhook is the first's. With more than one, leader election is on (its Lease in
	// OperatorNamespace, else "default"), so that one replica reconciles and every one serves.
	Replicas int
	// MaxGrantDuration is the operator's grant cap in the limits ConfigMap, which admission and
	// the managers read; empty means MaxGrantDuration (the shipped default).
	MaxGrantDuration string
	// ManagerArgs are appended to every replica's arguments; a flag given again wins over the
	// harness's own.
	ManagerArgs []string
	// ReplicaArgs[i], when there is one, is appended to replica i's arguments after ManagerArgs:
	// for replicas that differ, such as one auth service per gateway header set.
	ReplicaArgs [][]string
	// Manifests are applied with kubectl once OperatorNamespace exists, before the admission
	// policies are installed and the managers start: what the managers must find when they start
	// (the page rules' ConfigMap, and its namespace).
	Manifests []string
}

// Suite is the running system under test, started once by Main.
type Suite struct {
	Cluster *localcluster.Cluster
	Manager *managerproc.Process // the first replica, Managers[0]
	// Managers are the replicas (Options.Replicas) in order; AuthURLs, ProbeURLs and ManagerLogs
	// are theirs, index for index.
	Managers []*managerproc.Process

	AuthURL   string // the first replica's auth service, plain HTTP on loopback
	ProbeURL  string // the first replica's health probes
	AuthURLs  []string
	ProbeURLs []string
	APIServer string // kube-apiserver's URL, without a trailing "/", for paths to be appended
	CAData    []byte // kube-apiserver's serving CA
	CacheDir  string // kubectl's discovery cache, kept out of $HOME
	// TokenKubeconfig names kube-apiserver and nothing else: `kubectl --kubeconfig <it> --token
	// <session token>` is how support staff use a session.
	TokenKubeconfig string

	// AuthClient talks to the auth service; no retries, no redirects, so a status is what was
	// sent. Its requests come from 127.0.0.1, and the auth service throttles failed logins per
	// client address too (10 per 15 minutes): a test that fails logins on purpose sends them from
	// an address of its own (ClientFrom), so as not to spend that budget for the whole suite.
	AuthClient *http.Client

	ManagerLog      string // the first replica's, ManagerLogs[0]
	ManagerLogs     []string
	ControlPlaneLog string

	// Secrets is what must not leak; CheckNoLeaks looks for it once everything has stopped.
	Secrets Secrets

	opts          Options
	cpLogFile     *os.File // ControlPlaneLog, written to until the cluster stops
	managerBinary string   // built from the working tree
}

// Main is a suite's TestMain: it starts everything, hands the running suite to use (which keeps
// it for the tests) and runs the tests, then stops everything and checks that no remembered secret
// leaked. Any failure to start or stop cleanly fails the run, with the tails of the logs that say
// why. It returns the exit code.
func Main(m *testing.M, opts Options, use func(*Suite)) int {
	dir, err := os.MkdirTemp("", "support-access-"+opts.Name+"-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: create temporary directory: %v\n", opts.Name, err)
		return 1
	}
	defer os.RemoveAll(dir)

	began := time.Now()
	s, err := Start(dir, opts)
	var code int
	if err != nil {
		s.errorf("start: %v", err)
		code = 1
	} else {
		s.printf("manager built, control plane and manager ready in %s", time.Since(began).Round(time.Millisecond))
		use(s)
		code = m.Run()
	}

	// Events are read while the cluster runs, the logs once everything has stopped and flushed.
	var events string
	if s.Cluster != nil {
		if events, err = s.AdminKubectl("get", "events", "--all-namespaces", "-o", "json"); err != nil {
			s.errorf("%v", err)
			code = 1
		}
	}
	stopBegan := time.Now()
	if err := s.Stop(); err != nil {
		s.errorf("stop: %v", err)
		code = 1
	} else {
		s.printf("everything stopped in %s", time.Since(stopBegan).Round(time.Millisecond))
	}
	if err := s.CheckNoLeaks(events); err != nil {
		s.errorf("%v", err)
		code = 1
	} else {
		s.printf("none of the %d secret forms the tests saw is in the logs or events", s.Secrets.Len())
	}
	if code != 0 {
		s.DumpLogs()
	}
	if dir := os.Getenv("ARTIFACTS"); dir != "" {
		if err := s.SaveLogs(dir); err != nil {
			s.errorf("save logs to $ARTIFACTS: %v", err)
		}
	}
	return code
}

// Stop stops the manager first (it talks to the control plane, and must release nothing there
// half-way), then the control plane, and checks that none of their processes is left.
func (s *Suite) Stop() error {
	var errs []error
	// The last replica first: the first started first and most likely leads, and a leader stopped
	// first would hand the controllers to a replica about to stop.
	for i := len(s.Managers) - 1; i >= 0; i-- {
		if err := s.Managers[i].Stop(managerStopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	if s.Cluster != nil {
		pids := s.Cluster.PIDs()
		if err := s.Cluster.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop control plane: %w", err))
		}
		for name, pid := range pids {
			if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
				errs = append(errs, fmt.Errorf("%s (pid %d) is still running after Stop", name, pid))
			}
		}
	}
	if s.cpLogFile != nil {
		// Stop has returned, so no component writes to it any more.
		if err := s.cpLogFile.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close control-plane log: %w", err))
		}
	}
	return errors.Join(errs...)
}

// printf and errorf print a line of the harness, on stdout and stderr, named after the suite.
func (s *Suite) printf(format string, args ...any) {
	fmt.Printf("%s: %s\n", s.opts.Name, fmt.Sprintf(format, args...))
}

func (s *Suite) errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", s.opts.Name, fmt.Sprintf(format, args...))
}
