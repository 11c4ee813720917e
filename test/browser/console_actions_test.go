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

// A grant's live sessions show on the page as they start, and End session ends one at once.
func TestConsoleEndSession(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	gr := newGrant(t, accountA, "console-sessions", "Limited")
	c := startConsole(t, consoleAdmin)
	b := newTab(t)
	b.openConsole(g, c)
	token := apiLogin(ctx, g, gr)

	row := "#grant_console-sessions tbody tr"
	g.Eventually(func() bool { return present(g, b, row) }).
		WithTimeout(liveWithin).WithPolling(poll).Should(BeTrue(), "the new session shows on the open page")
	g.Expect(b.text(g, chromedp.CSS(row+" td"))).To(Equal("API (kubectl)"))
	p := b.clickLive(g, chromedp.CSS(row+" button"))
	g.Expect(p.query().Get("done")).To(Equal("ended"))
	for _, r := range replicas() {
		g.Eventually(func(g Gomega) {
			g.Expect(tokenReview(ctx, g, r, token).Authenticated).To(BeFalse())
		}).WithTimeout(refusedAtOnce).WithPolling(poll).Should(Succeed(), "%s still accepts an ended session", r.name)
	}
	g.Expect(b.text(g, "#grant_console-sessions .hint")).To(Equal("No live session."))
}

// A reason is the tenant's own text: HTML in it is shown as text, never run (stored XSS).
func TestConsoleEscapesTheReason(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	const attack = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`
	mustKubectl(ctx, g, `apiVersion: supportaccess.io/v1alpha1
kind: SupportAccessGrant
metadata:
  name: console-xss
  namespace: `+accountA+`
spec:
  accessLevel: Limited
  duration: 1h
  reason: '`+attack+`'
`, "apply", "-f", "-")
	deleteGrantAfter(t, "console-xss")
	c := startConsole(t, consoleAdmin)
	b := newTab(t)
	b.openConsole(g, c)
	b.do(g, "wait for the grant", chromedp.WaitVisible(chromedp.CSS("#grant_console-xss .reason")))
	// Once through a live update too, which renders the same template into the page's script.
	g.Eventually(func() bool { return present(g, b, "#grant_console-xss .phase-Active") }).
		WithTimeout(liveWithin).WithPolling(poll).Should(BeTrue())
	g.Expect(b.text(g, "#grant_console-xss .reason")).To(Equal("Reason: "+attack), "the reason, as text")
	g.Expect(eval[bool](g, b, `window.__xss === undefined`)).To(BeTrue(), "the reason's markup ran")
	g.Expect(eval[int](g, b, `document.querySelectorAll('#live-grants img, #live-grants script').length`)).To(Equal(0))
}

// A period above the operator's cap (the limits ConfigMap's maxGrantDuration) is refused by
// admission, and the page says so in kube-apiserver's words; nothing is created.
func TestConsoleShowsAdmissionRefusal(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	c := startConsole(t, consoleAdmin)
	b := newTab(t)
	b.openConsole(g, c)
	before := mustKubectl(ctx, g, "", "get", "sag", "-n", accountA, "-o", "name")
	b.do(g, "choose 30 days", chromedp.SetValue(chromedp.CSS("#duration"), "720h"))
	p := b.clickLive(g, "#generate")
	g.Expect(p.Status).To(BeNumerically(">=", 400), "a refused create is no success")
	errText := b.text(g, "#messages .error")
	g.Expect(errText).To(ContainSubstring("spec.duration"), "the refusal names the field")
	g.Expect(errText).To(ContainSubstring(operatorMaxGrantDuration), "and the operator's limit")
	g.Expect(mustKubectl(ctx, g, "", "get", "sag", "-n", accountA, "-o", "name")).To(Equal(before), "a grant was created anyway")
}
