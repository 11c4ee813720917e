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

// Package sessioncache keeps a support user's login session on disk between the plugin's runs:
// `login` stores it, `token` (the exec credential plugin kubectl runs) reads it. One file per auth
// server and email, readable by the user alone (directory 0700, file 0600), written atomically so
// that concurrent kubectl invocations never see half a file.
package sessioncache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

const (
	dirMode  = 0o700
	fileMode = 0o600
	// SubDir is the cache's directory under the user's cache directory.
	SubDir = "supportaccess"
)

// Session is one login, as the auth service answered it.
type Session struct {
	Server             string    `json:"server"`
	Email              string    `json:"email"`
	Token              string    `json:"token"`
	ExpiresAt          time.Time `json:"expiresAt"`
	IdleTimeoutSeconds int64     `json:"idleTimeoutSeconds"`
	AccessLevel        string    `json:"accessLevel"`
	Account            string    `json:"account"`
	Grant              string    `json:"grant"`
	LoggedInAt         time.Time `json:"loggedInAt"`
	// CertificateAuthority and InsecureSkipTLSVerify are the TLS settings the login used, so
	// that `token` reaches the server the same way without repeating them.
	CertificateAuthority  string `json:"certificateAuthority,omitempty"`
	InsecureSkipTLSVerify bool   `json:"insecureSkipTLSVerify,omitempty"`
}

// Expired reports whether the session's absolute end has passed at now.
func (s *Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// DefaultDir is os.UserCacheDir()/supportaccess.
func DefaultDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user's cache directory: %w", err)
	}
	return filepath.Join(base, SubDir), nil
}

// Path is the file of the session of email at server, in dir. The name is a hash, so that
// neither the server nor the email shows in a directory listing.
func Path(dir, server, email string) string {
	sum := sha256.Sum256([]byte(server + "\n" + email))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])+".json")
}

// Load reads the session of email at server. A missing file is (nil, nil).
func Load(dir, server, email string) (*Session, error) {
	path := Path(dir, server, email)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session cache %s: %w", path, err)
	}
	var s Session
	if err := json.Unmarshal(data, &s); err != nil || s.Token == "" || s.Server != server || s.Email != email {
		// Unreadable or not the session asked for: as good as none; the next login replaces it.
		return nil, nil
	}
	return &s, nil
}

// Save writes s, replacing any earlier session of the same server and email.
func Save(dir string, s *Session) error {
	if err := ensureDir(dir); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	// CreateTemp makes the file 0600; rename makes the write atomic.
	tmp, err := os.CreateTemp(dir, ".session-*.tmp")
	if err != nil {
		return fmt.Errorf("write session cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing left to remove
	if err := tmp.Chmod(fileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("write session cache: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write session cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write session cache: %w", err)
	}
	path := Path(dir, s.Server, s.Email)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write session cache %s: %w", path, err)
	}
	return nil
}

// Delete removes the session of email at server; a missing one is not an error.
func Delete(dir, server, email string) error {
	path := Path(dir, server, email)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove session cache %s: %w", path, err)
	}
	return nil
}

// ensureDir creates dir as 0700, and narrows it to 0700 if it exists with wider permissions.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("create session cache directory: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("create session cache directory: %w", err)
	}
	if info.Mode().Perm() != dirMode {
		if err := os.Chmod(dir, dirMode); err != nil {
			return fmt.Errorf("restrict session cache directory %s to its owner: %w", dir, err)
		}
	}
	return nil
}
