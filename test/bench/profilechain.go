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

package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"
)

// profileWindow is the length of each CPU profile of a profileChain. Go's /debug/pprof/profile
// takes a whole number of seconds and writes nothing when its request is cancelled, so a profile
// "until something happens" is a chain of short ones; the last runs on past the end by less than
// a window, while the manager idles.
const profileWindow = 2 * time.Second

// profileChain takes CPU profiles of a manager back to back, from start until stop: the gaps
// between them are one loopback request each, so together they cover the whole span.
type profileChain struct {
	stopc chan struct{}
	done  chan struct{}
	paths []string
	err   error
}

// startProfileChain starts profiling m; the profiles are written as <name>-<i>.pprof in the
// phase's directory.
func (e *env) startProfileChain(ctx context.Context, m *manager, name string) *profileChain {
	p := &profileChain{stopc: make(chan struct{}), done: make(chan struct{})}
	url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", m.pprofURL, int(profileWindow.Seconds()))
	go func() {
		defer close(p.done)
		for i := 0; ; i++ {
			select {
			case <-p.stopc:
				return
			case <-ctx.Done():
				p.err = ctx.Err()
				return
			default:
			}
			path := filepath.Join(e.dir, fmt.Sprintf("%s-%03d.pprof", name, i))
			if err := downloadProfile(ctx, http.DefaultClient, url, path); err != nil {
				p.err = fmt.Errorf("CPU profile %d of %s: %w", i, m.name, err)
				return
			}
			p.paths = append(p.paths, path)
		}
	}()
	return p
}

// stop waits for the profile under way to end and returns every profile's path.
func (p *profileChain) stop() ([]string, error) {
	close(p.stopc)
	<-p.done
	return p.paths, p.err
}
