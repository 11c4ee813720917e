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

package managerproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

// Env is what a suite running real managers starts with: a work directory, the manager binary
// built into it, and a control plane (its log in the directory) with a client.
type Env struct {
	Dir     string
	Binary  string
	Cluster *localcluster.Cluster
	Client  client.Client
	cpLog   *os.File
}

// StartEnv builds the manager into a new temporary directory named after prefix and starts a
// control plane beside it. The caller stops it with Stop, which also removes the directory.
func StartEnv(ctx context.Context, prefix string, scheme *runtime.Scheme) (*Env, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	e := &Env{Dir: dir}
	if e.Binary, err = Build(ctx, dir); err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	if e.cpLog, err = os.Create(filepath.Join(dir, "control-plane.log")); err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	if e.Cluster, err = localcluster.Start(ctx, localcluster.Options{StateDir: filepath.Join(dir, "cluster"), Output: e.cpLog}); err != nil {
		return nil, errors.Join(fmt.Errorf("start control plane: %w", err), e.Stop())
	}
	if e.Client, err = client.New(e.Cluster.Config, client.Options{Scheme: scheme}); err != nil {
		return nil, errors.Join(err, e.Stop())
	}
	return e, nil
}

// Stop stops the control plane and removes the work directory.
func (e *Env) Stop() error {
	var errs []error
	if e.Cluster != nil {
		if err := e.Cluster.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop control plane: %w", err))
		}
	}
	if e.cpLog != nil {
		errs = append(errs, e.cpLog.Close())
	}
	errs = append(errs, os.RemoveAll(e.Dir))
	return errors.Join(errs...)
}
