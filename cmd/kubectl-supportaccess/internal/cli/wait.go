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
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/wait"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
)

const (
	// defaultWait is how long grant and renew wait for the operator by default. It issues
	// credentials within a second when it runs.
	defaultWait = 30 * time.Second
	// waitPoll is how often the grant is read while waiting.
	waitPoll = 250 * time.Millisecond
)

// errNotActiveYet is returned when the operator did not make the grant Active in time.
var errNotActiveYet = errors.New("not Active yet")

// waitActive reads the grant until the operator has acted on generation (status.observedGeneration)
// and made it Active. It fails at once when the grant cannot become Active (revoked, expired, a
// Secret conflict), and with errNotActiveYet after timeout. It returns the grant last read.
func waitActive(ctx context.Context, client *accountclient.Client, namespace, name string, generation int64, timeout time.Duration) (*supportaccessv1alpha1.SupportAccessGrant, error) {
	var last *supportaccessv1alpha1.SupportAccessGrant
	var stuck error
	err := wait.PollUntilContextTimeout(ctx, waitPoll, timeout, true, func(ctx context.Context) (bool, error) {
		g, err := client.GetGrant(ctx, namespace, name)
		if err != nil {
			return false, accountclient.Explain(err, "grant", name, namespace)
		}
		last = g
		if g.Status.ObservedGeneration < generation {
			return false, nil
		}
		if g.Status.Phase == supportaccessv1alpha1.GrantPhaseActive {
			return true, nil
		}
		stuck = notActiveError(g)
		if phaseOrPending(g.Status.Phase) != supportaccessv1alpha1.GrantPhasePending || secretConflict(g) {
			// Revoked and Expired are final; a Secret conflict waits for a person.
			return false, stuck
		}
		return false, nil
	})
	switch {
	case err == nil:
		return last, nil
	case wait.Interrupted(err) && ctx.Err() == nil:
		if stuck != nil {
			return last, fmt.Errorf("%w within %s: %w", errNotActiveYet, timeout, stuck)
		}
		return last, fmt.Errorf("%w within %s: is the Support Access Operator running? Check with: %s list -n %s", errNotActiveYet, timeout, displayName, namespace)
	default:
		return last, err
	}
}

// notActiveError says why g's credentials cannot be used, and what to do about it.
func notActiveError(g *supportaccessv1alpha1.SupportAccessGrant) error {
	ref := fmt.Sprintf("grant %q in namespace %q", g.Name, g.Namespace)
	switch g.Status.Phase {
	case supportaccessv1alpha1.GrantPhaseActive:
		return nil
	case supportaccessv1alpha1.GrantPhaseRevoked:
		return fmt.Errorf("%s is Revoked: its credentials are deleted for good; to give access again, create a new grant", ref)
	case supportaccessv1alpha1.GrantPhaseExpired:
		return fmt.Errorf("%s is Expired: its credentials are deleted; renew it for fresh ones: %s renew %s -n %s", ref, displayName, g.Name, g.Namespace)
	}
	why := "the operator has not issued credentials yet"
	if c := meta.FindStatusCondition(g.Status.Conditions, supportaccessv1alpha1.ConditionReady); c != nil && c.Message != "" {
		why = c.Reason + ": " + c.Message
	}
	return fmt.Errorf("%s is not Active (phase %s): %s", ref, phaseOrPending(g.Status.Phase), why)
}

// secretConflict reports whether g waits for someone to remove a Secret it does not own.
func secretConflict(g *supportaccessv1alpha1.SupportAccessGrant) bool {
	c := meta.FindStatusCondition(g.Status.Conditions, supportaccessv1alpha1.ConditionReady)
	return c != nil && c.Reason == supportaccessv1alpha1.ReasonSecretConflict
}

// phaseOrPending reads an unset phase (a grant the operator has not seen yet) as Pending.
func phaseOrPending(p supportaccessv1alpha1.GrantPhase) supportaccessv1alpha1.GrantPhase {
	if p == "" {
		return supportaccessv1alpha1.GrantPhasePending
	}
	return p
}
