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

package sessioncache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func session(server, email string) *Session {
	return &Session{
		Server: server, Email: email, Token: "sat_test-token",
		ExpiresAt:  time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
		LoggedInAt: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		Account:    "acme", Grant: "ticket-4711", AccessLevel: "Limited", IdleTimeoutSeconds: 1800,
	}
}

func TestSaveLoadDelete(t *testing.T) {
	g := NewWithT(t)
	dir := filepath.Join(t.TempDir(), "cache", SubDir)
	const server, email = "https://auth.example.com", "support-a@support.invalid"

	got, err := Load(dir, server, email)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(BeNil(), "nothing stored yet")

	want := session(server, email)
	g.Expect(Save(dir, want)).To(Succeed())
	got, err = Load(dir, server, email)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(want))

	// Another email or server is another session.
	other, err := Load(dir, server, "support-b@support.invalid")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(other).To(BeNil())
	other, err = Load(dir, "https://other.example.com", email)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(other).To(BeNil())

	g.Expect(Delete(dir, server, email)).To(Succeed())
	got, err = Load(dir, server, email)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(BeNil())
	g.Expect(Delete(dir, server, email)).To(Succeed(), "deleting twice is fine")
}

func TestFilesAreTheUsersOnly(t *testing.T) {
	g := NewWithT(t)
	dir := filepath.Join(t.TempDir(), SubDir)
	g.Expect(os.MkdirAll(dir, 0o755)).To(Succeed()) // too wide: Save narrows it
	s := session("https://auth.example.com", "support-a@support.invalid")
	g.Expect(Save(dir, s)).To(Succeed())

	info, err := os.Stat(dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o700)))
	info, err = os.Stat(Path(dir, s.Server, s.Email))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))

	// The name is a hash: neither the server nor the email shows, and no temporary file is left.
	entries, err := os.ReadDir(dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entries).To(HaveLen(1))
	g.Expect(entries[0].Name()).To(MatchRegexp(`^[0-9a-f]{32}\.json$`))
}

func TestUnreadableOrForeignFileCountsAsNone(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	const server, email = "https://auth.example.com", "support-a@support.invalid"
	path := Path(dir, server, email)

	g.Expect(os.WriteFile(path, []byte("{not json"), 0o600)).To(Succeed())
	got, err := Load(dir, server, email)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(BeNil())

	// A file whose content names another session (copied by hand) is not used for this one.
	foreign := session("https://evil.example.com", email)
	g.Expect(Save(dir, foreign)).To(Succeed())
	g.Expect(os.Rename(Path(dir, foreign.Server, email), path)).To(Succeed())
	got, err = Load(dir, server, email)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(BeNil())
}

func TestExpired(t *testing.T) {
	g := NewWithT(t)
	s := session("https://auth.example.com", "a@b.c")
	g.Expect(s.Expired(s.ExpiresAt.Add(-time.Second))).To(BeFalse())
	g.Expect(s.Expired(s.ExpiresAt)).To(BeTrue())
}

func TestDefaultDir(t *testing.T) {
	g := NewWithT(t)
	t.Setenv("XDG_CACHE_HOME", "/tmp/xdg-cache")
	dir, err := DefaultDir()
	g.Expect(err).NotTo(HaveOccurred())
	if !strings.HasPrefix(dir, "/tmp/xdg-cache") {
		t.Skipf("os.UserCacheDir ignores XDG_CACHE_HOME on this platform (got %s)", dir)
	}
	g.Expect(dir).To(Equal("/tmp/xdg-cache/supportaccess"))
}
