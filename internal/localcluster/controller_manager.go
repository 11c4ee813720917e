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
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// controllerManagerControllers are the kube-controller-manager controllers the operator relies on:
// the garbage collector deletes the Secrets and RoleBindings of a deleted grant, aggregation fills
// the support users' ClusterRoles, and the namespace controller lets an account namespace be deleted.
var controllerManagerControllers = []string{
	"garbage-collector-controller",
	"clusterrole-aggregation-controller",
	"namespace-controller",
}

// controllerManagerUser is kube-controller-manager's identity. system:masters rather than
// system:kube-controller-manager: envtest's client certificates carry any groups we like, and a
// local cluster gains nothing from least privilege for its own controllers.
var controllerManagerUser = envtest.User{Name: "local-controller-manager", Groups: []string{"system:masters"}}

// readinessProbeName names the ClusterRoles used to check that kube-controller-manager works.
const readinessProbeName = "localcluster-readiness-probe"

// startControllerManager runs kube-controller-manager and waits until its controllers act.
func (c *Cluster) startControllerManager(ctx context.Context) error {
	kubeconfig := filepath.Join(c.opts.StateDir, controllerManagerKubeconfigFile)
	if _, err := writeUserKubeconfig(c.env, controllerManagerUser, kubeconfig); err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--controllers=" + strings.Join(controllerManagerControllers, ","),
		// One instance: a lease would only delay the start by its acquisition.
		"--leader-elect=false",
		// No HTTPS endpoint: nothing scrapes it, and a fixed port would collide between clusters.
		"--secure-port=0",
		// The controllers run as the kubeconfig's user instead of minting service account
		// tokens, which would need the token controller and a signing key.
		"--use-service-account-credentials=false",
	}
	kcm, err := startChild(controllerManagerName, filepath.Join(c.opts.AssetsDir, controllerManagerName), args, c.outputs[controllerManagerName])
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.kcm = kcm
	c.mu.Unlock()
	if err := c.waitControllerManager(ctx); err != nil {
		return c.withTail(controllerManagerName, err)
	}
	return nil
}

// waitControllerManager waits until kube-controller-manager has filled in an aggregated ClusterRole.
// With --secure-port=0 it has no health endpoint, and a health endpoint would not say that its
// informers have synced anyway; seeing a controller act does.
func (c *Cluster) waitControllerManager(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	clientset, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("client for readiness probe: %w", err)
	}
	roles := clientset.RbacV1().ClusterRoles()
	selector := map[string]string{"localcluster.supportaccess.io/readiness-probe": "true"}
	probe := []*rbacv1.ClusterRole{
		{
			ObjectMeta:      metav1.ObjectMeta{Name: readinessProbeName},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: selector}}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: readinessProbeName + "-rules", Labels: selector},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}},
		},
	}
	for _, role := range probe {
		if _, err := roles.Create(ctx, role, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create readiness probe ClusterRole %s: %w", role.Name, err)
		}
	}

	var exitErr, getErr error
	pollErr := poll(ctx, func() bool {
		if done, err := c.kcm.exited(); done {
			exitErr = fmt.Errorf("%s exited early", controllerManagerName)
			if err != nil {
				exitErr = fmt.Errorf("%s exited early: %w", controllerManagerName, err)
			}
			return true
		}
		role, err := roles.Get(ctx, readinessProbeName, metav1.GetOptions{})
		getErr = err
		return err == nil && len(role.Rules) > 0
	})
	if exitErr != nil {
		return exitErr
	}
	if pollErr != nil {
		return fmt.Errorf("%s did not aggregate a ClusterRole: %w", controllerManagerName, errors.Join(pollErr, getErr))
	}

	for _, role := range probe {
		if err := roles.Delete(ctx, role.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete readiness probe ClusterRole %s: %w", role.Name, err)
		}
	}
	return nil
}
