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

package auth

import (
	"bytes"
	"embed"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The browser pages (docs/security.md#in-the-browser-and-behind-gateways): server-rendered, no
// JavaScript, no request leaves the host.
//
//go:embed web/*.html web/style.css
var webFiles embed.FS

var (
	pageTemplates = template.Must(template.ParseFS(webFiles, "web/*.html"))
	styleCSS      = mustRead("web/style.css")
)

func mustRead(name string) []byte {
	b, err := webFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// loginPage is what web/login.html shows.
type loginPage struct {
	Title    string
	Notice   string
	Error    string
	Email    string
	ReturnTo string
}

// messagePage is what web/message.html shows: a refusal (403), the end of access, throttling.
type messagePage struct {
	Title    string
	Message  string
	Detail   string
	LoginURL string
}

// pageCSP allows the page's own stylesheet and forms posted to its own origin (and, after login,
// redirects to the allowed return hosts: Chromium applies form-action to a form's redirects).
func pageCSP(formTargets string) string {
	return "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'" + formTargets +
		"; frame-ancestors 'none'; base-uri 'none'"
}

// setPageHeaders marks a page as not to be cached, framed or sniffed, and sets its CSP.
func setPageHeaders(h http.Header, csp string) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

// renderPage writes template name with data and status. A template error is a bug: 500, logged.
func (a *Service) renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		a.log.Error(err, "Cannot render page", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header(), a.pageCSP)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// handleAsset serves the pages' stylesheet.
func (a *Service) handleAsset(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(styleCSS)
}

// formTargetsCSP lists the allowed return hosts for pageCSP, each as http and https origins.
func formTargetsCSP(hosts map[string]bool) string {
	var b strings.Builder
	for _, h := range slices.Sorted(maps.Keys(hosts)) {
		b.WriteString(" https://" + h + " http://" + h)
	}
	return b.String()
}
