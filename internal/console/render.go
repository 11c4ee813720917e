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
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"time"
)

// The page's templates, stylesheet and script (no CDN, no build step: docs/console.md).
//
//go:embed web/*.html web/console.css web/console.js
var webFiles embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"stamp":   stamp,
}).ParseFS(webFiles, "web/*.html"))

// assets are served under /assets/ with their content types.
var assets = map[string]struct {
	contentType string
	body        []byte
}{
	"console.css": {"text/css; charset=utf-8", mustRead("web/console.css")},
	"console.js":  {"text/javascript; charset=utf-8", mustRead("web/console.js")},
}

func mustRead(name string) []byte {
	b, err := webFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	// Assets change with the binary only; no-store still applies (securityHeaders) for simplicity.
	_, _ = w.Write(a.body)
}

// render executes template name with data into w with status. It renders into a buffer first, so
// a template error becomes a 500 instead of half a page.
func render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// messagePage is what web/message.html shows: a refusal or an error, on a page of its own.
type messagePage struct {
	Title, Message string
	// Back links to a page of the console, when there is one to go back to.
	Back string
}

// writeMessage answers with a page of its own that says title and message.
func writeMessage(w http.ResponseWriter, status int, title, message string) {
	render(w, status, "message.html", messagePage{Title: title, Message: message})
}
