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

package localcluster

import (
	"bytes"
	"io"
	"sync"
)

// tailSize is how much of a component's latest output start-up errors quote: enough for the fatal
// message and its context, without burying the error.
const tailSize = 2048

// componentOutput collects one component's stdout and stderr: every line is copied, prefixed with
// the component's name, to the shared writer (if any), and the latest bytes are kept so that an
// error can say why the component failed even when the output is discarded.
type componentOutput struct {
	prefix []byte
	shared *sharedWriter // nil: discard

	mu          sync.Mutex
	atLineStart bool
	tail        []byte
	truncated   bool // tail has lost its beginning, so its first line is partial
}

// sharedWriter serialises the writes of several components to one writer, so lines stay whole.
type sharedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func newComponentOutput(name string, shared *sharedWriter) *componentOutput {
	return &componentOutput{prefix: []byte("[" + name + "] "), shared: shared, atLineStart: true}
}

func (o *componentOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tail = append(o.tail, p...)
	if len(o.tail) > tailSize {
		o.tail = append(o.tail[:0], o.tail[len(o.tail)-tailSize:]...)
		o.truncated = true
	}
	if o.shared == nil {
		return len(p), nil
	}
	var buf bytes.Buffer
	for rest := p; len(rest) > 0; {
		if o.atLineStart {
			buf.Write(o.prefix)
		}
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		buf.Write(line)
		rest = rest[len(line):]
		o.atLineStart = line[len(line)-1] == '\n'
	}
	o.shared.mu.Lock()
	defer o.shared.mu.Unlock()
	// A failing log destination must not fail the component (a broken pipe would kill it).
	_, _ = o.shared.w.Write(buf.Bytes())
	return len(p), nil
}

// Tail returns the component's latest whole lines of output.
func (o *componentOutput) Tail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	tail := o.tail
	if i := bytes.IndexByte(tail, '\n'); o.truncated && i >= 0 {
		tail = tail[i+1:]
	}
	return string(bytes.TrimSpace(tail))
}
