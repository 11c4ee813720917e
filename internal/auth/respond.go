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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/supportaccess/support-access-operator/internal/authapi"
)

// maxBodyBytes is the largest request body accepted (larger ones get 413:
// docs/reference.md#auth-endpoints).
const maxBodyBytes = 64 << 10

// Header values shared by every response; net/http only reads them.
var (
	contentTypeJSON = []string{"application/json"}
	cacheNoStore    = []string{"no-store"}
)

// setJSONHeaders marks a response as JSON that no cache may keep (it describes a live session).
func setJSONHeaders(h http.Header) {
	h["Content-Type"] = contentTypeJSON
	h["Cache-Control"] = cacheNoStore
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	setJSONHeaders(w.Header())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, authapi.Error{Error: code, Message: message})
}

// requireMethod answers 405 (with Allow) unless r uses method.
func requireMethod(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("use %s", method))
	return false
}

// bodyBuffers recycles request-body buffers: the hot path reads a body per request.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decodeJSON reads one JSON object of at most maxBodyBytes into v. strict refuses unknown fields.
// It answers the client itself and returns false on any problem.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, strict bool) bool {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		// The body held a password or a token: wipe it rather than leave it in pooled memory.
		clear(buf.Bytes())
		buf.Reset()
		bodyBuffers.Put(buf)
	}()
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err == nil {
		err = unmarshalOne(buf.Bytes(), v, strict)
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body exceeds %d bytes", maxBodyBytes))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "malformed_json", "request body is empty: send a JSON object")
	default:
		writeError(w, http.StatusBadRequest, "malformed_json", "request body is not valid JSON for this endpoint: "+jsonErrorText(err))
	}
	return false
}

// unmarshalOne decodes exactly one JSON value from data into v: trailing data is a malformed
// request, not something to ignore. json.Unmarshal copies what it keeps, so data may be reused.
func unmarshalOne(data []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return io.EOF
	}
	if !strict {
		return json.Unmarshal(data, v)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, extra := dec.Token(); extra != io.EOF {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// jsonErrorText describes a decoding error without echoing request content back at length.
func jsonErrorText(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) <= bearerPrefixLength || !strings.EqualFold(h[:bearerPrefixLength], "Bearer ") {
		return "", false
	}
	token := strings.TrimSpace(h[bearerPrefixLength:])
	return token, token != ""
}

// retryAfterSeconds formats a Retry-After header value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10)
}
