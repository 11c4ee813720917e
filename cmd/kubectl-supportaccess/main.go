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

// Command kubectl-supportaccess is the Support Access Operator's kubectl plugin (kubectl
// supportaccess): account owners grant, list, revoke and renew support access and copy its
// credentials; support staff log in and use kubectl through its exec credential plugin.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, cli.DefaultEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}
