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

package accountclient

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// ErrNotFound is wrapped by the errors Explain returns for a missing object.
var ErrNotFound = errors.New("not found")

// explained is an API error said the way a person reads it. It unwraps to the API's error, so
// its status (a 404, a 409) still reaches a caller that answers with it (the console).
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// notFound is an object that does not exist.
type notFound struct{ explained }

func (e *notFound) Is(target error) bool { return target == ErrNotFound }

// Explain turns an API error about the object name (a "grant", "policy" or "Secret") in namespace
// into what a person acts on. A 404 can mean three different things: the object is missing, the
// namespace is missing, or the cluster does not serve the supportaccess.io API at all; each gets
// its own message. Other errors (validation, RBAC) are the API server's own words, which already
// name the field or the permission.
func Explain(err error, what, name, namespace string) error {
	if err == nil {
		return nil
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return err
	}
	details := status.Status().Details
	switch {
	case apierrors.IsNotFound(err) && details != nil && details.Kind == "namespaces":
		return &notFound{explained{fmt.Sprintf("namespace %q not found", details.Name), err}}
	case apierrors.IsNotFound(err) && details != nil && name != "" && details.Name == name:
		return &notFound{explained{fmt.Sprintf("%s %q not found in namespace %q", what, name, namespace), err}}
	case apierrors.IsNotFound(err):
		return &explained{fmt.Sprintf("this cluster does not serve the %s API (%v): install the Support Access Operator's CRDs first", supportaccessv1alpha1.GroupVersion, err), err}
	case apierrors.IsAlreadyExists(err):
		return &explained{fmt.Sprintf("%s %q already exists in namespace %q", what, name, namespace), err}
	}
	return err
}
