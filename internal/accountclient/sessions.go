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
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

// sessionSelector selects the session Leases of every grant of a namespace.
var sessionSelector = supportaccessv1alpha1.LabelManagedBy + "=" + supportaccessv1alpha1.ManagedByValue + "," +
	supportaccessv1alpha1.LabelComponent + "=" + supportaccessv1alpha1.ComponentSession

// Session is a session Lease as an account admin sees it. It is read as listed: only the auth
// service, which holds the key of the Lease's seal, decides whether a Lease is a live session
// (docs/reference.md#tenant-model), so a Lease someone wrote by hand shows here and authenticates
// nobody.
type Session struct {
	// Lease names the Lease; UID is its UID, the precondition of ending it.
	Lease string
	UID   string
	// Grant is the grant the session belongs to.
	Grant string
	// Browser is true for a login page session, false for an API one (kubectl).
	Browser bool
	// LoggedInAt and LastActivity are the Lease's acquire and renew times (zero when unset).
	LoggedInAt, LastActivity time.Time
}

// SessionOf describes a session Lease.
func SessionOf(l *coordinationv1.Lease) Session {
	s := Session{
		Lease:   l.Name,
		UID:     string(l.UID),
		Grant:   l.Labels[supportaccessv1alpha1.LabelGrant],
		Browser: l.Annotations[supportaccessv1alpha1.AnnotationSessionKind] == supportaccessv1alpha1.SessionKindBrowser,
	}
	if t := l.Spec.AcquireTime; t != nil {
		s.LoggedInAt = t.Time
	}
	if t := l.Spec.RenewTime; t != nil {
		s.LastActivity = t.Time
	}
	return s
}

// maxSessionsListed bounds one list of session Leases: every grant's live sessions (at most
// --max-sessions-per-grant each) for a page of grants, with room to spare.
const maxSessionsListed = 2500

// ListSessions lists the session Leases of namespace, up to maxSessionsListed.
func (c *Client) ListSessions(ctx context.Context, namespace string) ([]Session, error) {
	list, err := c.leases.Leases(namespace).List(ctx, metav1.ListOptions{LabelSelector: sessionSelector, Limit: maxSessionsListed})
	if err != nil {
		return nil, err
	}
	out := make([]Session, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, SessionOf(&list.Items[i]))
	}
	return out, nil
}

// EndSession deletes a session Lease: the auth service refuses its token at once
// (docs/reference.md#session-leases). The UID precondition makes sure the Lease deleted is the one
// the admin saw.
func (c *Client) EndSession(ctx context.Context, namespace, lease, uid string) error {
	return c.leases.Leases(namespace).Delete(ctx, lease, metav1.DeleteOptions{
		Preconditions: metav1.NewUIDPreconditions(uid),
	})
}

// WatchSessions watches the session Leases of namespace, from their current state.
func (c *Client) WatchSessions(ctx context.Context, namespace string) (watch.Interface, error) {
	return c.leases.Leases(namespace).Watch(ctx, metav1.ListOptions{LabelSelector: sessionSelector})
}
