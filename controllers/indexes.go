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

package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// indexEmail is the name of the login-email index on the grant and Secret informers.
const indexEmail = "supportaccess.io/login-email"

// EmailIndex tells whether a login email is already issued anywhere in the cluster: in a grant's
// status.loginEmail or in a credentials Secret's email key (written before the grant's status
// records it). It reads client-go indexers on the manager's informers, one key per object; a
// controller-runtime field index would keep two (per namespace and cluster-wide), which for 10,000
// grants and their Secrets cost about 7 MB of the manager's heap.
type EmailIndex struct {
	grants, secrets toolscache.Indexer
}

// grantEmails and secretEmails are the index functions: the email, if any.
func grantEmails(obj any) ([]string, error) {
	if g, ok := obj.(*supportaccessv1alpha1.SupportAccessGrant); ok && g.Status.LoginEmail != "" {
		return []string{g.Status.LoginEmail}, nil
	}
	return nil, nil
}

func secretEmails(obj any) ([]string, error) {
	if s, ok := obj.(*corev1.Secret); ok && len(s.Data[supportaccessv1alpha1.SecretKeyEmail]) > 0 {
		return []string{string(s.Data[supportaccessv1alpha1.SecretKeyEmail])}, nil
	}
	return nil, nil
}

// RegisterIndexes adds the operator's indexes to the manager's informers. Call it once per manager,
// before it starts.
func RegisterIndexes(ctx context.Context, informers cache.Informers) (*EmailIndex, error) {
	grants, err := addIndex(ctx, informers, &supportaccessv1alpha1.SupportAccessGrant{}, grantEmails)
	if err != nil {
		return nil, fmt.Errorf("index grants by login email: %w", err)
	}
	secrets, err := addIndex(ctx, informers, &corev1.Secret{}, secretEmails)
	if err != nil {
		return nil, fmt.Errorf("index Secrets by email: %w", err)
	}
	return &EmailIndex{grants: grants, secrets: secrets}, nil
}

// indexerInformer is what controller-runtime's informers are underneath: client-go shared index
// informers, whose indexer answers index lookups without copying objects.
type indexerInformer interface {
	GetIndexer() toolscache.Indexer
}

func addIndex(ctx context.Context, informers cache.Informers, obj client.Object, f toolscache.IndexFunc) (toolscache.Indexer, error) {
	informer, err := informers.GetInformer(ctx, obj)
	if err != nil {
		return nil, err
	}
	ii, ok := informer.(indexerInformer)
	if !ok {
		return nil, fmt.Errorf("informer %T has no indexer", informer)
	}
	if err := informer.AddIndexers(toolscache.Indexers{indexEmail: f}); err != nil {
		return nil, err
	}
	return ii.GetIndexer(), nil
}

// InUse reports whether email is issued to a grant or held by a credentials Secret.
func (x *EmailIndex) InUse(email string) (bool, error) {
	for _, idx := range []toolscache.Indexer{x.grants, x.secrets} {
		keys, err := idx.IndexKeys(indexEmail, email)
		if err != nil {
			return false, fmt.Errorf("look up login email: %w", err)
		}
		if len(keys) > 0 {
			return true, nil
		}
	}
	return false, nil
}
