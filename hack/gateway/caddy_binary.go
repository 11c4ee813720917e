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
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// CaddyBinary returns where hack/build-caddy.sh caches the pinned Caddy (CaddyVersion) for this
// platform: $SUPPORTACCESS_CACHE_DIR, else $XDG_DATA_HOME/support-access-operator, else
// ~/.local/share/support-access-operator, then caddy/<version>-<os>-<arch>/caddy. It does not check
// that the binary is there; StartCaddy does, and says how to build it.
func CaddyBinary() (string, error) {
	root := os.Getenv("SUPPORTACCESS_CACHE_DIR")
	if root == "" {
		data := os.Getenv("XDG_DATA_HOME")
		if data == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("finding the cached caddy: %w", err)
			}
			data = filepath.Join(home, ".local", "share")
		}
		root = filepath.Join(data, "support-access-operator")
	}
	platform := CaddyVersion + "-" + runtime.GOOS + "-" + runtime.GOARCH
	return filepath.Join(root, "caddy", platform, "caddy"), nil
}
