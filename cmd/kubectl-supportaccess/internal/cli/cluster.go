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
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

// userAgent names the plugin in kube-apiserver's audit log.
const userAgent = "kubectl-supportaccess"

// clusterFlags are kubectl's standard kubeconfig flags (--kubeconfig, --context, -n, ...), for the
// account owners' commands.
type clusterFlags struct {
	config *genericclioptions.ConfigFlags
}

func addClusterFlags(c *cobra.Command) *clusterFlags {
	config := genericclioptions.NewConfigFlags(true)
	config.CacheDir = nil // no discovery, so no discovery cache and no --cache-dir
	config.AddFlags(c.Flags())
	return &clusterFlags{config: config}
}

// connect returns a client for the selected cluster and the namespace to work in: -n, else the
// kubeconfig context's, else "default", as kubectl does.
func (f *clusterFlags) connect(env Env) (*accountclient.Client, string, error) {
	cfg, namespace, err := f.restConfig(env)
	if err != nil {
		return nil, "", err
	}
	client, err := accountclient.New(cfg, userAgent)
	if err != nil {
		return nil, "", err
	}
	return client, namespace, nil
}

// grant connects and reads the grant name, as the commands that act on one grant start: the
// client, the namespace it is in, and the grant, or the error said the way a person reads it.
func (f *clusterFlags) grant(ctx context.Context, env Env, name string) (*accountclient.Client, string, *supportaccessv1alpha1.SupportAccessGrant, error) {
	client, namespace, err := f.connect(env)
	if err != nil {
		return nil, "", nil, err
	}
	g, err := client.GetGrant(ctx, namespace, name)
	if err != nil {
		return nil, "", nil, accountclient.Explain(err, "grant", name, namespace)
	}
	return client, namespace, g, nil
}

// restConfig returns the kubeconfig's client config, as kubectl would use it, and its namespace.
func (f *clusterFlags) restConfig(env Env) (*rest.Config, string, error) {
	namespace, _, err := f.config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("read kubeconfig: %w", err)
	}
	cfg, err := f.config.ToRESTConfig()
	if err != nil {
		return nil, "", fmt.Errorf("read kubeconfig: %w", err)
	}
	cfg = rest.CopyConfig(cfg)
	// API warnings (a deprecation, an admission warning) go to stderr once each, never into output
	// that scripts parse.
	cfg.WarningHandler = rest.NewWarningWriter(env.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	return cfg, namespace, nil
}
