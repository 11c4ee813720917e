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
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/supportaccess/support-access-operator/internal/managerproc"
)

// Secrets collects every password and session token the tests have seen (or tried), and the forms
// in which the manager holds them (digests, a Secret's base64), so that the suite can check in the
// end that none of them leaked into a log or an event (docs/reference.md#credentials-secret). Safe
// for concurrent use; the zero value is ready.
type Secrets struct {
	mu   sync.Mutex
	list []secret
	seen map[string]bool
}

// secret is one remembered value, and what it is: a leak is reported by what, never by value.
type secret struct{ what, value string }

// Remember adds value to what must not leak, described as what (for the failure message); once,
// however often the tests see it. An empty value is no secret (and would be found in every text).
func (s *Secrets) Remember(what, value string) {
	if value == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[value] {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[value] = true
	s.list = append(s.list, secret{what, value})
}

// RememberPassword remembers a password, issued or merely tried, in every form that could betray
// it: as typed; base64-encoded, as a Secret's data holds it; and its SHA-256, which the manager
// keeps in memory instead of the password (internal/credentials), in hex and in base64 (how a
// []byte prints in JSON). whose starts each description ("the victim's" password).
func (s *Secrets) RememberPassword(whose, password string) {
	sum := sha256.Sum256([]byte(password))
	s.Remember(whose+" password", password)
	s.Remember(whose+" password, base64", base64.StdEncoding.EncodeToString([]byte(password)))
	s.Remember(whose+" password's SHA-256, hex", hex.EncodeToString(sum[:]))
	s.Remember(whose+" password's SHA-256, base64", base64.StdEncoding.EncodeToString(sum[:]))
}

// RememberToken remembers a session token the auth service issued, and its hash: the hash names
// the session's Lease, and must not reach a log either.
func (s *Secrets) RememberToken(whose, token string) {
	sum := sha256.Sum256([]byte(token))
	s.Remember(whose+" session token", token)
	s.Remember(whose+" session token's SHA-256", hex.EncodeToString(sum[:]))
}

// Len is how many values are remembered.
func (s *Secrets) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.list)
}

func (s *Secrets) all() []secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]secret(nil), s.list...)
}

// CheckNoLeaks fails the suite if a remembered secret appears in the manager's log, the control
// plane's log or events (the JSON of `kubectl get events --all-namespaces`). It names the secret
// by its description and where it appears, never by its value: the failure output is a log too.
func (s *Suite) CheckNoLeaks(events string) error {
	type source struct{ name, text string }
	sources := []source{{"events", events}}
	for _, path := range s.logs() {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // The suite failed before that component started.
		}
		if err != nil {
			return fmt.Errorf("read %s to check for leaked secrets: %w", filepath.Base(path), err)
		}
		sources = append(sources, source{filepath.Base(path), string(data)})
	}
	secrets := s.Secrets.all()
	var errs []error
	for _, src := range sources {
		for _, secret := range secrets {
			if strings.Contains(src.text, secret.value) {
				errs = append(errs, fmt.Errorf("a secret seen by the tests (%s) appears in %s", secret.what, src.name))
			}
		}
	}
	return errors.Join(errs...)
}

// DumpLogs prints the end of the manager's and the control plane's logs, which are removed with
// the suite's directory.
func (s *Suite) DumpLogs() {
	for _, path := range s.logs() {
		tail, err := managerproc.TailLines(path, logTailLines)
		if err != nil || tail == "" {
			continue
		}
		s.errorf("last %d lines of %s:\n%s", logTailLines, filepath.Base(path), tail)
	}
}

// SaveLogs copies the logs into dir ($ARTIFACTS, as CI systems such as Prow name it), which
// outlives the suite's temporary directory, each named after the suite ("e2e-manager.log").
func (s *Suite) SaveLogs(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for _, path := range s.logs() {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, s.opts.Name+"-"+filepath.Base(path)), data, 0o644)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Suite) logs() []string {
	return append(append([]string(nil), s.ManagerLogs...), s.ControlPlaneLog)
}
