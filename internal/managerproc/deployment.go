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
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	appsv1 "k8s.io/api/apps/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/supportaccess/support-access-operator/internal/testutil"
)

// DeploymentEnv returns the literal environment variables of the manager container in
// config/manager/manager.yaml (GOMEMLIMIT, GOGC) as NAME=value, so that managers measured by the
// benchmarks and the memory tests run with the runtime settings a deployment has. Variables set
// from the downward API (POD_NAMESPACE) are left out.
func DeploymentEnv() ([]string, error) {
	path := filepath.Join(testutil.RepoRoot(), "config", "manager", "manager.yaml")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the manager's Deployment: %w", err)
	}
	defer f.Close()
	// manager.yaml holds the Namespace and the Deployment.
	docs := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no Deployment with a container named manager", path)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal(doc, &d); err != nil {
			return nil, fmt.Errorf("decode %s: %w", path, err)
		}
		if d.Kind != "Deployment" {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.Name != "manager" {
				continue
			}
			var env []string
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					env = append(env, e.Name+"="+e.Value)
				}
			}
			return env, nil
		}
	}
}
