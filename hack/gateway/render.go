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

package gateway

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templatesFS embed.FS

// The configuration templates, one per gateway: configuration files read best as configuration.
var (
	caddyTemplate = parseTemplate("Caddyfile.tmpl")
	nginxTemplate = parseTemplate("nginx.conf.tmpl")
)

// templateFuncs are the spellings the templates need of a header name.
var templateFuncs = template.FuncMap{
	"join": strings.Join,
	// nginxVar is the suffix of nginx's variables for a header ($upstream_http_x_supportaccess_user).
	"nginxVar": func(h string) string { return strings.ToLower(strings.ReplaceAll(h, "-", "_")) },
}

func parseTemplate(name string) *template.Template {
	return template.Must(template.New(name).Funcs(templateFuncs).ParseFS(templatesFS, "templates/"+name))
}

// templateData is what the configuration templates see: the Config with each route's port parsed.
type templateData struct {
	Auth            string
	Dir             string
	Routes          []templateRoute
	IdentityHeaders []string
	LoginURLHeader  string
}

type templateRoute struct {
	Route
	Port int
}

// renderConfig renders a configuration template for a valid c. The templates are embedded and
// their data fixed, so an execution error is a bug in this package, which every test run catches.
func renderConfig(t *template.Template, c Config) string {
	data := templateData{
		Auth:            c.Auth,
		Dir:             c.Dir,
		IdentityHeaders: identityHeaders,
		LoginURLHeader:  loginURLHeader,
	}
	for _, r := range c.Routes {
		data.Routes = append(data.Routes, templateRoute{Route: r, Port: r.port()})
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		panic(fmt.Sprintf("rendering %s: %v", t.Name(), err))
	}
	return b.String()
}
