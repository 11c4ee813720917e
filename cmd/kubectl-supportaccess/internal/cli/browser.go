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

package cli

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
)

// openBrowser opens url in the user's browser: $BROWSER when set (as xdg-open and Python's
// webbrowser honour it), else the platform's opener. It only starts the opener; the URL is an
// argument, never a shell word.
func openBrowser(url string) error {
	if b := os.Getenv("BROWSER"); b != "" {
		return exec.Command(b, url).Start()
	}
	switch runtime.GOOS {
	case "darwin":
		return exec.Command("open", url).Start()
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", url).Start()
	}
	if _, err := exec.LookPath("xdg-open"); err != nil {
		return errors.New("no xdg-open on PATH")
	}
	return exec.Command("xdg-open", url).Start()
}
