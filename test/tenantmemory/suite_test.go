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

package tenantmemory

import (
	"context"
	"fmt"
	"os"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
	"github.com/supportaccess/support-access-operator/internal/managerproc"
)

var (
	scheme  = runtime.NewScheme()
	cluster *localcluster.Cluster
	k8s     client.Client
	binary  string
	workDir string
	// managerEnv is the manager container's literal env in config/manager/manager.yaml
	// (GOMEMLIMIT, GOGC): the garbage collector's settings decide how high garbage lets the heap
	// climb, so the managers run as deployed.
	managerEnv []string
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(supportaccessv1alpha1.AddToScheme(scheme))
}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	var err error
	if managerEnv, err = managerproc.DeploymentEnv(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env, err := managerproc.StartEnv(context.Background(), "supportaccess-tenantmemory-", scheme)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	workDir, binary, cluster, k8s = env.Dir, env.Binary, env.Cluster, env.Client
	return m.Run()
}
