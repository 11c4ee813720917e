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

package integration

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// `kubectl supportaccess console` serves the account's page on loopback as the kubeconfig's
// user: the link it prints and hands to the browser opens the page once, and Ctrl-C stops it.
func TestConsole(t *testing.T) {
	g := NewWithT(t)
	const account = "plugin-console"
	createNamespace(t, g, account)
	p := newPerson(t)
	links := make(chan string, 1)
	p.openBrowser = func(url string) error {
		links <- url
		return nil
	}
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	done := make(chan result, 1)
	go func() {
		done <- p.runContext(ctx, "", "console", "--kubeconfig", sut.cluster.KubeconfigPath, "-n", account)
	}()
	var opened string
	select {
	case opened = <-links:
	case r := <-done:
		t.Fatalf("console exited before opening a browser: %d\n%s%s", r.code, r.stdout, r.stderr)
	case <-time.After(eventually):
		t.Fatal("console never opened a browser")
	}
	// The browser is handed a page of the user's own that leads on to the link, never the link
	// itself: an opener's command line is readable by every user of the machine.
	g.Expect(opened).To(HavePrefix("file:///"), "the browser opens a local page")
	page := strings.TrimPrefix(opened, "file://")
	info, err := os.Stat(page)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)), "only the user may read the page")
	content, err := os.ReadFile(page)
	g.Expect(err).NotTo(HaveOccurred())
	link := html.UnescapeString(regexp.MustCompile(`url=([^"]+)"`).FindStringSubmatch(string(content))[1])
	g.Expect(link).To(MatchRegexp(`^http://127\.0\.0\.1:\d+/start\?`), "a loopback link")

	jar, err := cookiejar.New(nil)
	g.Expect(err).NotTo(HaveOccurred())
	browser := &http.Client{Jar: jar, Timeout: commandTimeout}
	resp, err := browser.Get(link)
	g.Expect(err).NotTo(HaveOccurred())
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), "%s", body)
	g.Expect(resp.Request.URL.Path).To(Equal("/accounts/"+account), "the link leads to the account's page")
	g.Expect(string(body)).To(ContainSubstring("Generate credentials"))

	// The link is spent: another browser (or whoever copied it) gets nothing with it.
	other := &http.Client{Timeout: commandTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = other.Get(link)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusForbidden), "a used start link")

	interrupt()
	select {
	case r := <-done:
		g.Expect(r.code).To(Equal(0), "console stops cleanly when interrupted:\n%s", r.stderr)
		g.Expect(r.stdout).To(ContainSubstring(link), "it prints the link too")
		g.Expect(page).NotTo(BeAnExistingFile(), "the page is removed when the console stops")
	case <-time.After(eventually):
		t.Fatal("console did not stop when interrupted")
	}
}
