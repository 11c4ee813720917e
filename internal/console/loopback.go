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
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"k8s.io/client-go/rest"
)

const (
	// cookieName is the loopback console's session cookie. Not __Host-: that prefix needs Secure,
	// and the console is plain HTTP on a loopback address.
	cookieName = "supportaccess-console"
	// startPath takes the one-time start token and swaps it for the cookie.
	startPath = "/start"
)

// Loopback is the mode of kubectl supportaccess console: the console listens on a loopback port
// and acts with the user's kubeconfig. Any program on the machine can reach that port, and any
// web page can make the browser send to it, so a request is served only when
//   - its Host is the console's own address (a foreign Host is DNS rebinding: a page of another
//     site whose name now resolves to 127.0.0.1),
//   - and it carries the cookie that the one-time start token (in the URL the command printed)
//     was swapped for; the cookie is HttpOnly and SameSite=Strict, so no other site's page makes
//     the browser send it.
type Loopback struct {
	cfg        *rest.Config
	hosts      map[string]bool
	origin     string
	startToken string
	started    atomic.Bool
	cookie     string
}

// NewLoopback returns the mode for a console listening on addr, acting with cfg (the user's
// kubeconfig, as kubectl would use it).
func NewLoopback(cfg *rest.Config, addr net.Addr) (*Loopback, error) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return nil, fmt.Errorf("console: %s is not a loopback address: the console must not be reachable from the network", addr)
	}
	port := strconv.Itoa(tcp.Port)
	l := &Loopback{
		cfg:    cfg,
		hosts:  map[string]bool{net.JoinHostPort(tcp.IP.String(), port): true, net.JoinHostPort("localhost", port): true},
		origin: "http://" + net.JoinHostPort(tcp.IP.String(), port),
	}
	var err error
	if l.startToken, err = randomToken(); err != nil {
		return nil, err
	}
	if l.cookie, err = randomToken(); err != nil {
		return nil, err
	}
	return l, nil
}

// StartURL is the URL to open in the browser: it carries the one-time start token and leads on to
// path (a path of the console, such as "/accounts/acme").
func (l *Loopback) StartURL(path string) string {
	return l.origin + startPath + "?" + url.Values{"token": {l.startToken}, "next": {path}}.Encode()
}

func (l *Loopback) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.hosts[strings.ToLower(r.Host)] {
			writeMessage(w, http.StatusMisdirectedRequest, "Wrong address",
				"This console answers on its own address only. Open the URL that kubectl supportaccess console printed.")
			return
		}
		if r.URL.Path == startPath {
			l.start(w, r)
			return
		}
		c, err := r.Cookie(cookieName)
		if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(l.cookie)) != 1 {
			writeMessage(w, http.StatusUnauthorized, "Open the console's link",
				"This browser has not opened the link that kubectl supportaccess console printed. Open that link; if it was already used, stop the command and start it again for a new one.")
			return
		}
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), requestUser{cfg: l.cfg, key: "loopback"})))
	})
}

// start swaps the start token for the cookie, once: a link that leaked (a shell history, a
// screenshare) is worth nothing after the browser used it.
func (l *Loopback) start(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeMessage(w, http.StatusMethodNotAllowed, "Not allowed", "Open the console's link in a browser.")
		return
	}
	token := r.URL.Query().Get("token")
	if subtle.ConstantTimeCompare([]byte(token), []byte(l.startToken)) != 1 || !l.started.CompareAndSwap(false, true) {
		writeMessage(w, http.StatusForbidden, "This link does not open the console",
			"The link is wrong or was already used. Stop kubectl supportaccess console and start it again for a new link.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: l.cookie, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// localPath returns p when it is a path of this console ("/accounts/acme"), else "/": the start
// link must not become an open redirect.
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(p, "/") ||
		strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	return p
}

// randomToken returns 256 random bits, URL-safe.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("console: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
