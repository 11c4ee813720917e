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
	"fmt"
	"net/http"
)

// maxFormBytes bounds the settings form; the app has nothing bigger to receive.
const maxFormBytes = 16 << 10

// ping answers /poll's background request. It is deliberately trivial: what the tests watch is
// whether the gateway lets it through, not what it says.
func ping(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintln(w, `{"ok":true}`)
}

// saveSettings accepts the settings form and saves nothing: it exists so that a test has a
// state-changing request (a POST) to send through the gateway. It answers 303 back to the page,
// which then says "Saved".
func saveSettings(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, fmt.Sprintf("reading the settings form: %v", err), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}
