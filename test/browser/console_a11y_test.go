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

package browser

import (
	"testing"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
)

// axeViolation is one rule axe-core finds broken, with the elements that break it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// runAxe injects axe-core into the tab's page and returns its violations.
func runAxe(g Gomega, b *tab) []axeViolation {
	src, err := axeSource()
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "read axe-core")
	eval[any](g, b, src+";0")
	return eval[[]axeViolation](g, b, `axe.run(document, {resultTypes: ['violations']}).then(r =>
  r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))`)
}

// serious keeps the violations axe-core rates serious or critical.
func serious(vs []axeViolation) []axeViolation {
	var out []axeViolation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// The console is plain, accessible HTML (docs/console.md): axe-core finds no serious violation on the
// page of an admin (with an Active grant and its credentials), in the session timeout's edit
// mode, and on a read-only user's page; at phone width nothing overflows sideways.
func TestConsoleAccessibility(t *testing.T) {
	g := NewWithT(t)
	newGrant(t, accountA, "console-a11y", "Limited")
	admin := startConsole(t, consoleAdmin)
	viewer := startConsole(t, consoleViewer)

	b := newTab(t)
	b.openConsole(g, admin)
	b.do(g, "wait for the grant", chromedp.WaitVisible(chromedp.CSS("#grant_console-a11y .password")))
	for _, check := range []struct {
		name string
		open func()
	}{
		{"the admin's page", func() {}},
		{"the session timeout's edit mode", func() { b.clickLive(g, "#edit-timeout") }},
	} {
		check.open()
		all := runAxe(g, b)
		t.Logf("%s: axe-core found %d violations, %d serious or worse", check.name, len(all), len(serious(all)))
		g.Expect(serious(all)).To(BeEmpty(), "axe-core on %s", check.name)
	}

	v := newTab(t)
	v.openConsole(g, viewer)
	g.Expect(serious(runAxe(g, v))).To(BeEmpty(), "axe-core on the read-only user's page")

	// Phone width: the page reflows instead of scrolling sideways.
	v.do(g, "narrow the viewport", chromedp.EmulateViewport(390, 844))
	g.Expect(eval[bool](g, v, `document.documentElement.scrollWidth <= window.innerWidth`)).To(BeTrue(),
		"the page is wider than a phone's screen")
}
