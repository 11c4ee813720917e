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

// notFound is an object that does not exist, said the way a person reads it.
type notFound struct{ msg string }

func (e *notFound) Error() string        { return e.msg }
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
		return &notFound{fmt.Sprintf("namespace %q not found", details.Name)}
	case apierrors.IsNotFound(err) && details != nil && name != "" && details.Name == name:
		return &notFound{fmt.Sprintf("%s %q not found in namespace %q", what, name, namespace)}
	case apierrors.IsNotFound(err):
		return fmt.Errorf("this cluster does not serve the %s API (%v): install the Support Access Operator's CRDs first", supportaccessv1alpha1.GroupVersion, err)
	case apierrors.IsAlreadyExists(err):
		return fmt.Errorf("%s %q already exists in namespace %q", what, name, namespace)
	}
	return err
}
