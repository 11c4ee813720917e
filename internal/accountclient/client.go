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

// Package accountclient is the account admin's client of kube-apiserver, shared by the kubectl
// plugin and the web console (internal/console): grants, policies, credentials Secrets, session
// Leases and access reviews, always with the credentials it was built with (the user's own). It
// uses plain REST clients with the API's Go types: no discovery round trips, so each action costs
// one or two requests.
package accountclient

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	authenticationv1client "k8s.io/client-go/kubernetes/typed/authentication/v1"
	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// Resource names of the supportaccess.io API.
const (
	ResourceGrants   = "supportaccessgrants"
	ResourcePolicies = "accountsessionpolicies"
)

// Client reads and writes grants, policies, credentials Secrets and session Leases, and asks
// kube-apiserver what its user may do.
type Client struct {
	api    rest.Interface
	core   corev1client.CoreV1Interface
	leases coordinationv1client.LeasesGetter
	authz  authorizationv1client.SelfSubjectAccessReviewsGetter
	authn  authenticationv1client.SelfSubjectReviewsGetter
}

// codecs decode the supportaccess.io API's objects; built once, as a Client may be built per
// request (the console builds one for each user's request).
var codecs = func() serializer.CodecFactory {
	scheme := runtime.NewScheme()
	if err := supportaccessv1alpha1.AddToScheme(scheme); err != nil {
		panic(err) // The API package's own types: a bug if they do not register.
	}
	return serializer.NewCodecFactory(scheme)
}()

// New returns a Client for the cluster of cfg, acting with cfg's credentials. userAgent names the
// caller in audit logs. Every API group shares one HTTP client (and so one connection pool).
func New(cfg *rest.Config, userAgent string) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = userAgent
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("create HTTP client for %s: %w", cfg.Host, err)
	}
	apiCfg := rest.CopyConfig(cfg)
	apiCfg.GroupVersion = &supportaccessv1alpha1.GroupVersion
	apiCfg.APIPath = "/apis"
	apiCfg.ContentType = runtime.ContentTypeJSON
	apiCfg.NegotiatedSerializer = codecs.WithoutConversion()
	api, err := rest.RESTClientForConfigAndClient(apiCfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("create client for %s: %w", supportaccessv1alpha1.GroupVersion, err)
	}
	c := &Client{api: api}
	if c.core, err = corev1client.NewForConfigAndClient(cfg, httpClient); err != nil {
		return nil, fmt.Errorf("create client for core/v1: %w", err)
	}
	if c.leases, err = coordinationv1client.NewForConfigAndClient(cfg, httpClient); err != nil {
		return nil, fmt.Errorf("create client for coordination.k8s.io/v1: %w", err)
	}
	if c.authz, err = authorizationv1client.NewForConfigAndClient(cfg, httpClient); err != nil {
		return nil, fmt.Errorf("create client for authorization.k8s.io/v1: %w", err)
	}
	if c.authn, err = authenticationv1client.NewForConfigAndClient(cfg, httpClient); err != nil {
		return nil, fmt.Errorf("create client for authentication.k8s.io/v1: %w", err)
	}
	return c, nil
}

// GetGrant reads one SupportAccessGrant.
func (c *Client) GetGrant(ctx context.Context, namespace, name string) (*supportaccessv1alpha1.SupportAccessGrant, error) {
	out := &supportaccessv1alpha1.SupportAccessGrant{}
	err := c.api.Get().Namespace(namespace).Resource(ResourceGrants).Name(name).Do(ctx).Into(out)
	return out, err
}

// ListGrants lists the grants of namespace, or of every namespace when it is "".
func (c *Client) ListGrants(ctx context.Context, namespace string) (*supportaccessv1alpha1.SupportAccessGrantList, error) {
	return c.ListGrantsUpTo(ctx, namespace, 0)
}

// ListGrantsUpTo lists at most limit grants of namespace (0: all); the list's Continue is set when
// there are more.
func (c *Client) ListGrantsUpTo(ctx context.Context, namespace string, limit int64) (*supportaccessv1alpha1.SupportAccessGrantList, error) {
	out := &supportaccessv1alpha1.SupportAccessGrantList{}
	err := c.api.Get().Namespace(namespace).Resource(ResourceGrants).
		VersionedParams(&metav1.ListOptions{Limit: limit}, metav1.ParameterCodec).Do(ctx).Into(out)
	return out, err
}

// GrantRequest is what `grant` asks for. Durations are sent as the user wrote them ("168h"), not
// as Go prints them ("168h0m0s"), so `kubectl get -o yaml` reads the same.
type GrantRequest struct {
	Namespace, Name string
	// GenerateName, when Name is empty, asks kube-apiserver to name the grant: this prefix and a
	// random suffix (the console's grants).
	GenerateName string
	AccessLevel  supportaccessv1alpha1.AccessLevel
	Duration     string
	Reason       string
}

// CreateGrant creates the grant r describes.
func (c *Client) CreateGrant(ctx context.Context, r GrantRequest) (*supportaccessv1alpha1.SupportAccessGrant, error) {
	spec := map[string]any{"accessLevel": r.AccessLevel, "duration": r.Duration}
	if r.Reason != "" {
		spec["reason"] = r.Reason
	}
	metadata := map[string]any{"namespace": r.Namespace}
	if r.Name != "" {
		metadata["name"] = r.Name
	} else {
		metadata["generateName"] = r.GenerateName
	}
	body, err := json.Marshal(map[string]any{
		"apiVersion": supportaccessv1alpha1.GroupVersion.String(),
		"kind":       "SupportAccessGrant",
		"metadata":   metadata,
		"spec":       spec,
	})
	if err != nil {
		return nil, err
	}
	out := &supportaccessv1alpha1.SupportAccessGrant{}
	err = c.api.Post().Namespace(r.Namespace).Resource(ResourceGrants).Body(body).Do(ctx).Into(out)
	return out, err
}

// PatchGrantSpec merges spec into the grant's spec (a JSON merge patch). With uid set, the patch
// applies only to the grant of that UID (kube-apiserver refuses a patch whose metadata.uid differs),
// so a grant deleted and re-created under the same name since it was read is left alone.
func (c *Client) PatchGrantSpec(ctx context.Context, namespace, name, uid string, spec map[string]any) (*supportaccessv1alpha1.SupportAccessGrant, error) {
	patch := map[string]any{"spec": spec}
	if uid != "" {
		patch["metadata"] = map[string]any{"uid": uid}
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	out := &supportaccessv1alpha1.SupportAccessGrant{}
	err = c.api.Patch(types.MergePatchType).Namespace(namespace).Resource(ResourceGrants).Name(name).Body(body).Do(ctx).Into(out)
	return out, err
}

// DeleteGrant deletes a grant; its finalizer holds it until its credentials, binding and sessions
// are gone. The UID precondition makes sure it is the grant the admin saw.
func (c *Client) DeleteGrant(ctx context.Context, namespace, name, uid string) error {
	body, err := json.Marshal(metav1.DeleteOptions{TypeMeta: metav1.TypeMeta{Kind: "DeleteOptions", APIVersion: "v1"}, Preconditions: metav1.NewUIDPreconditions(uid)})
	if err != nil {
		return err
	}
	return c.api.Delete().Namespace(namespace).Resource(ResourceGrants).Name(name).Body(body).Do(ctx).Error()
}

// GetSecret reads one Secret.
func (c *Client) GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	return c.core.Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}

// ListPolicies lists the AccountSessionPolicies of namespace.
func (c *Client) ListPolicies(ctx context.Context, namespace string) (*supportaccessv1alpha1.AccountSessionPolicyList, error) {
	out := &supportaccessv1alpha1.AccountSessionPolicyList{}
	err := c.api.Get().Namespace(namespace).Resource(ResourcePolicies).Do(ctx).Into(out)
	return out, err
}

// CreatePolicy creates the AccountSessionPolicy name in namespace with spec.
func (c *Client) CreatePolicy(ctx context.Context, namespace, name string, spec map[string]any) (*supportaccessv1alpha1.AccountSessionPolicy, error) {
	body, err := json.Marshal(map[string]any{
		"apiVersion": supportaccessv1alpha1.GroupVersion.String(),
		"kind":       "AccountSessionPolicy",
		"metadata":   map[string]any{"name": name, "namespace": namespace},
		"spec":       spec,
	})
	if err != nil {
		return nil, err
	}
	out := &supportaccessv1alpha1.AccountSessionPolicy{}
	err = c.api.Post().Namespace(namespace).Resource(ResourcePolicies).Body(body).Do(ctx).Into(out)
	return out, err
}

// PatchPolicySpec merges spec into the policy's spec (a JSON merge patch).
func (c *Client) PatchPolicySpec(ctx context.Context, namespace, name string, spec map[string]any) (*supportaccessv1alpha1.AccountSessionPolicy, error) {
	body, err := json.Marshal(map[string]any{"spec": spec})
	if err != nil {
		return nil, err
	}
	out := &supportaccessv1alpha1.AccountSessionPolicy{}
	err = c.api.Patch(types.MergePatchType).Namespace(namespace).Resource(ResourcePolicies).Name(name).Body(body).Do(ctx).Into(out)
	return out, err
}
