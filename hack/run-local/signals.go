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
	"os"
	"os/signal"
	"syscall"
)

// watchSignals turns the first SIGINT, SIGTERM or SIGHUP into a cancelled context (stop everything
// in order) and the second into a closed channel (kill the manager at once, for the impatient).
// Further signals are ignored: the control plane is being stopped and must not be abandoned.
func watchSignals() (stopping context.Context, force <-chan struct{}) {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	forced := make(chan struct{})
	go func() {
		sig := <-signals
		logf("received %s: stopping (send it again to kill the manager at once)", sig)
		cancel()
		sig = <-signals
		logf("received %s: killing the manager", sig)
		close(forced)
		for sig := range signals {
			logf("received %s: still stopping the control plane", sig)
		}
	}()
	return ctx, forced
}
