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

package demoapp

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

// view is what the layout and a page's content template see.
type view struct {
	// Account is the account the app was started for (its tenant), not what the gateway says.
	Account  string
	Page     page
	Nav      []navItem
	Identity []identityRow
	Records  records
	Stats    []stat
	// Saved is set on /settings after the settings form was posted.
	Saved bool
}

// pageTemplates holds, per page path, the layout joined with that page's "content". Parsed once at
// start: the templates are embedded, so a parse error is a bug that every test run catches.
var pageTemplates = parsePages()

func parsePages() map[string]*template.Template {
	layout := template.Must(template.ParseFS(templateFS, "templates/layout.html"))
	byPath := make(map[string]*template.Template, len(pages))
	for _, p := range pages {
		t := template.Must(layout.Clone())
		byPath[p.Path] = template.Must(t.ParseFS(templateFS, "templates/"+p.Template))
	}
	return byPath
}

// render writes page p for request r. The page is rendered into a buffer first, so that a template
// error becomes a clean 500 instead of half a page.
func render(w http.ResponseWriter, r *http.Request, account string, p page) {
	v := view{
		Account:  account,
		Page:     p,
		Nav:      nav(p.Path),
		Identity: identityRows(r.Header),
		Records:  demoRecords,
		Stats:    dashboardStats,
		Saved:    p.Path == "/settings" && r.URL.Query().Get("saved") == "1",
	}
	var buf bytes.Buffer
	if err := pageTemplates[p.Path].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		http.Error(w, fmt.Sprintf("rendering %s: %v", p.Path, err), http.StatusInternalServerError)
		return
	}
	if p.Script != "" {
		w.Header().Set("Content-Security-Policy", scriptCSP)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
