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

package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
	"github.com/supportaccess/support-access-operator/internal/accountclient"
	"github.com/supportaccess/support-access-operator/internal/policy"
)

const (
	// maxGrantsShown bounds the grants one page reads and shows.
	maxGrantsShown = 250
	// maxConcurrentReads bounds the account reads (a page, a live update) in progress at once.
	maxConcurrentReads = 8
)

// accountPage is everything the page of one account shows, read as the user.
type accountPage struct {
	Namespace string
	// User is who kube-apiserver sees the console's requests as.
	User string
	// Now is the console's clock when the page was read: the script counts down from it.
	Now time.Time
	// Live grants are Pending or Active; History holds the Revoked and Expired ones, kept until
	// deleted.
	Live, History []grantView
	Policy        policyView
	Periods       []period
	Generate      permission
	// Warnings are reads that failed without spoiling the page (sessions not readable, say).
	Warnings []string
	// Notice is the outcome of the action just done; Error what kube-apiserver refused.
	Notice, Error string
	// EditTimeout shows the session timeout's dropdown (the "Edit" button).
	EditTimeout bool
	// LiveUpdates is false when the user may not watch grants: the page then says so.
	LiveUpdates permission
	// Version identifies what the page shows, but for the time (Now, the countdowns): the script
	// replaces the page's live parts only with an update of another version, so that an update
	// that changes nothing never swaps a button under the user's pointer.
	Version string `json:"-"`
}

// version computes Version: a hash of the page without its times.
func (p *accountPage) version() string {
	timeless := *p
	timeless.Now, timeless.Notice, timeless.Error = time.Time{}, "", ""
	timeless.Live = withoutCountdowns(p.Live)
	timeless.History = withoutCountdowns(p.History)
	data, err := json.Marshal(&timeless)
	if err != nil {
		return "" // Never for these types; an empty version only means every update applies.
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

func withoutCountdowns(grants []grantView) []grantView {
	out := slices.Clone(grants)
	for i := range out {
		out[i].Countdown = ""
	}
	return out
}

// grantView is one grant on the page.
type grantView struct {
	Namespace, Name, UID, Access, Phase, Reason, LoginEmail string
	// Limited is true for Limited access, which excludes personal data.
	Limited bool
	// Active and History tell which part of the page the grant is in.
	Active, History bool
	// Expires is when access ends (zero until issued); Countdown the time left, as text.
	Expires   time.Time
	Countdown string
	// LastUsed is the last login or session activity the operator recorded.
	LastUsed       string
	ActiveSessions int32
	// Status is why a grant that is not Active is not (a conflict, say); empty otherwise.
	Status string
	// Credentials are shown to a user who may read the grant's Secret; CredentialsNote says why
	// they are not shown otherwise, and CopyText is what "Copy credentials" puts on the clipboard.
	Credentials     *accountclient.Credentials
	CredentialsNote string
	CopyText        string
	Renew, Revoke   permission
	Delete          permission
	Sessions        []sessionView
	EndSession      permission
}

// sessionView is one session of a grant.
type sessionView struct {
	Lease, UID, Kind, LoggedIn, LastActivity string
}

// policyView is the account's session timeout.
type policyView struct {
	// Name is the policy in force; empty when the account has none (the defaults apply).
	Name string
	// Timeout is the inactivity timeout in force, Label the same in words; IsDefault when the
	// policy does not set it.
	Timeout   supportaccessv1alpha1.InactivityTimeout
	Label     string
	IsDefault bool
	Options   []timeoutOption
	// MeetsAAL2 and AAL2 are the NIST SP 800-63B-4 AAL2 verdict on the settings in force.
	MeetsAAL2 bool
	AAL2      string
	Save      permission
}

type timeoutOption struct {
	Value    supportaccessv1alpha1.InactivityTimeout
	Label    string
	Selected bool
}

// readAccount reads the page of namespace as the user. Only a failure to list the grants fails
// it (a user of another account, say); what else fails becomes a warning on the page.
func (c *Console) readAccount(ctx context.Context, client *accountclient.Client, namespace string) (*accountPage, error) {
	// Reads are bounded in number (the console's memory: a tenant may fill its account with large
	// objects) and in size (maxGrantsShown).
	select {
	case c.reads <- struct{}{}:
		defer func() { <-c.reads }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	now := c.opts.Clock.Now()
	grants, err := client.ListGrantsUpTo(ctx, namespace, maxGrantsShown)
	if err != nil {
		return nil, accountclient.Explain(err, "grant", "", namespace)
	}
	page := &accountPage{Namespace: namespace, Now: now}
	if grants.Continue != "" {
		page.Warnings = append(page.Warnings, fmt.Sprintf("This account has more than %d grants: the page shows %d of them; use kubectl for the others.", maxGrantsShown, maxGrantsShown))
	}
	if page.User, err = client.WhoAmI(ctx); err != nil {
		page.User = "(unknown)"
		page.Warnings = append(page.Warnings, err.Error())
	}

	policies, err := client.ListPolicies(ctx, namespace)
	var items []supportaccessv1alpha1.AccountSessionPolicy
	if err != nil {
		page.Warnings = append(page.Warnings, "the session timeout cannot be read: "+err.Error())
	} else {
		items = policies.Items
	}
	settings := policy.Effective(items)
	inForce := policy.InForce(items)
	page.Periods = periodsFor(settings, c.operatorCap())

	sessions, sessionsErr := client.ListSessions(ctx, namespace)

	// Every permission the page needs, in one round of reviews.
	var patchGrant, deleteGrant, endSession permission
	checks := []accessCheck{
		grantCheck("create", &page.Generate),
		grantCheck("patch", &patchGrant),
		grantCheck("delete", &deleteGrant),
		grantCheck("watch", &page.LiveUpdates),
		leaseCheck("delete", &endSession),
	}
	if inForce == nil {
		checks = append(checks, policyCheck("create", "", &page.Policy.Save))
	} else {
		checks = append(checks, policyCheck("patch", inForce.Name, &page.Policy.Save))
	}
	slices.SortFunc(grants.Items, func(a, b supportaccessv1alpha1.SupportAccessGrant) int {
		if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	secrets := make([]permission, len(grants.Items))
	for i := range grants.Items {
		g := &grants.Items[i]
		if g.Status.Phase == supportaccessv1alpha1.GrantPhaseActive && g.Status.SecretName != "" {
			checks = append(checks, secretCheck(g.CredentialsSecretName(), &secrets[i]))
		}
	}
	checkAccess(ctx, client, namespace, checks)
	if page.Generate.Allowed && !anyPeriodAllowed(page.Periods) {
		// Every choice is disabled: a form would post nothing the API accepts.
		limit, byPolicy := policy.GrantCap(settings, c.operatorCap())
		what := "the operator's maximum"
		if byPolicy {
			what = "this account's maxGrantDuration"
		}
		page.Generate = denied("no validity period fits " + what + " (" + policy.FormatDuration(limit) + ")")
	}

	for i := range grants.Items {
		g := &grants.Items[i]
		v := grantViewOf(g, now)
		v.Renew, v.Revoke, v.Delete, v.EndSession = patchGrant, patchGrant, deleteGrant, endSession
		if g.Spec.Revoked {
			v.Renew = denied("a revoked grant cannot be renewed: generate new credentials instead")
		}
		// Revocable until spec.revoked is set, whatever the status says: a status anyone may
		// patch (or a stale one) must not keep an admin from revoking.
		if g.Spec.Revoked {
			v.Revoke = denied("the grant is already revoked")
		}
		if v.Active {
			c.readCredentials(ctx, client, g, secrets[i], &v)
		}
		if sessionsErr != nil {
			v.EndSession = denied("the sessions cannot be read: " + sessionsErr.Error())
		}
		for _, s := range sessions {
			if s.Grant == g.Name {
				v.Sessions = append(v.Sessions, sessionViewOf(s))
			}
		}
		if v.History {
			page.History = append(page.History, v)
		} else {
			page.Live = append(page.Live, v)
		}
	}
	if sessionsErr != nil {
		page.Warnings = append(page.Warnings, "the sessions cannot be read: "+sessionsErr.Error())
	}
	page.Policy = policyViewOf(settings, inForce, page.Policy.Save)
	page.Version = page.version()
	return page, nil
}

// grantViewOf is what the page shows of g at now, before permissions and credentials.
func grantViewOf(g *supportaccessv1alpha1.SupportAccessGrant, now time.Time) grantView {
	v := grantView{
		Namespace: g.Namespace, Name: g.Name, UID: string(g.UID), Access: string(g.Spec.AccessLevel), Reason: g.Spec.Reason,
		LoginEmail: g.Status.LoginEmail, ActiveSessions: g.Status.ActiveSessions,
		Phase: string(g.Status.Phase),
	}
	if v.Access == "" {
		v.Access = string(supportaccessv1alpha1.AccessLevelLimited)
	}
	v.Limited = v.Access == string(supportaccessv1alpha1.AccessLevelLimited)
	if v.Phase == "" {
		v.Phase = string(supportaccessv1alpha1.GrantPhasePending)
	}
	switch g.Status.Phase {
	case supportaccessv1alpha1.GrantPhaseActive:
		v.Active = true
	case supportaccessv1alpha1.GrantPhaseRevoked, supportaccessv1alpha1.GrantPhaseExpired:
		v.History = true
	}
	if g.Status.ExpiresAt != nil {
		v.Expires = g.Status.ExpiresAt.Time
		v.Countdown = countdown(v.Expires.Sub(now))
	}
	v.LastUsed = "never"
	if g.Status.LastUsedAt != nil {
		v.LastUsed = stamp(g.Status.LastUsedAt.Time)
	}
	if !v.Active && !v.History {
		if ready := meta.FindStatusCondition(g.Status.Conditions, supportaccessv1alpha1.ConditionReady); ready != nil && ready.Message != "" {
			v.Status = ready.Reason + ": " + ready.Message
		}
	}
	return v
}

// readCredentials fills in the credentials of an Active grant for a user who may read its Secret.
func (c *Console) readCredentials(ctx context.Context, client *accountclient.Client, g *supportaccessv1alpha1.SupportAccessGrant, read permission, v *grantView) {
	if !read.Allowed {
		v.CredentialsNote = "The password is not shown: " + read.Reason + "."
		if g.Status.SecretName == "" {
			v.CredentialsNote = "The credentials are being issued."
		}
		return
	}
	// The Secret the spec names: status.secretName only says that the operator issued it.
	name := g.CredentialsSecretName()
	secret, err := client.GetSecret(ctx, g.Namespace, name)
	if err != nil {
		v.CredentialsNote = "The password is not shown: " + accountclient.Explain(err, "Secret", name, g.Namespace).Error() + "."
		return
	}
	creds, err := accountclient.CredentialsOf(g, secret)
	if err != nil {
		v.CredentialsNote = "The password is not shown: " + err.Error() + "."
		return
	}
	v.Credentials = creds
	v.CopyText = copyText(creds)
}

// copyText is what "Copy credentials" puts on the clipboard: everything support needs, in a form
// that reads well pasted into a ticket or a chat.
func copyText(c *accountclient.Credentials) string {
	access := "Limited access (no personal data)"
	if c.AccessLevel == string(supportaccessv1alpha1.AccessLevelFull) {
		access = "Full access (includes personal data)"
	}
	lines := []string{
		"Support access to account " + c.Namespace + ": " + access,
		"Login email: " + c.Email,
		"Password: " + c.Password,
	}
	if c.LoginURL != "" {
		lines = append(lines, "Login URL: "+c.LoginURL)
	}
	if c.ExpiresAt != "" {
		lines = append(lines, "Expires: "+c.ExpiresAt)
	}
	return strings.Join(lines, "\n")
}

func sessionViewOf(s accountclient.Session) sessionView {
	kind := "API (kubectl)"
	if s.Browser {
		kind = "Browser"
	}
	return sessionView{Lease: s.Lease, UID: s.UID, Kind: kind, LoggedIn: stamp(s.LoggedInAt), LastActivity: stamp(s.LastActivity)}
}

// policyViewOf is the session timeout part of the page.
func policyViewOf(s policy.Settings, inForce *supportaccessv1alpha1.AccountSessionPolicy, save permission) policyView {
	v := policyView{Save: save, IsDefault: inForce == nil || inForce.Spec.InactivityTimeout == ""}
	if inForce != nil {
		v.Name = inForce.Name
	}
	for _, t := range supportaccessv1alpha1.InactivityTimeouts {
		if d, _ := t.Duration(); d == s.InactivityTimeout {
			v.Timeout = t
		}
	}
	v.Label = timeoutLabel(v.Timeout)
	for _, t := range supportaccessv1alpha1.InactivityTimeouts {
		label := timeoutLabel(t)
		if t == supportaccessv1alpha1.DefaultInactivityTimeout {
			label += " (default)"
		}
		v.Options = append(v.Options, timeoutOption{Value: t, Label: label, Selected: t == v.Timeout})
	}
	v.MeetsAAL2, v.AAL2 = policy.MeetsAAL2(s)
	return v
}
