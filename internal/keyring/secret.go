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

package keyring

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportaccessv1alpha1 "github.com/supportaccess/support-access-operator/api/v1alpha1"
)

const (
	// SecretType marks the keyring Secret. It is not the credentials type, so the manager's
	// Secret cache (credentials Secrets only) never holds it.
	SecretType = "supportaccess.io/keyring"
	// DefaultSecretName is the keyring Secret's name in the operator's namespace (--keyring-secret).
	DefaultSecretName = "support-access-operator-keyring"
	// keyPrefix + a decimal ID names each key in the Secret's data: key-1, key-2, ...
	keyPrefix = "key-"
	// RefreshInterval is how often every replica re-reads the Secret, to learn rotated keys.
	RefreshInterval = 20 * time.Second
)

// Parse returns the keys held in a keyring Secret's data. Entries that are not keys are ignored; a
// malformed key fails the whole Secret, so a typo never silently drops a key in use.
func Parse(data map[string][]byte) ([]Key, error) {
	var keys []Key
	for name, secret := range data {
		idText, ok := strings.CutPrefix(name, keyPrefix)
		if !ok {
			continue
		}
		id, err := strconv.Atoi(idText)
		if err != nil || strconv.Itoa(id) != idText {
			return nil, fmt.Errorf("data key %q: want %s<number>", name, keyPrefix)
		}
		key, err := NewKey(id, secret)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no %s<number> entries", keyPrefix)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	return keys, nil
}

// DataKey returns the name of key id in the Secret's data.
func DataKey(id int) string { return keyPrefix + strconv.Itoa(id) }

// GenerateKey returns a new key with id from crypto/rand.
func GenerateKey(id int) (Key, error) {
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("read random bytes: %w", err)
	}
	return NewKey(id, secret)
}

// LoadOrCreate reads the keyring Secret at key, creating it with one fresh key on the operator's
// first start. Replicas starting together race to create it: the loser reads the winner's. c must
// read the API directly (the manager's cache does not hold this Secret).
func LoadOrCreate(ctx context.Context, c client.Client, key types.NamespacedName) (*Keyring, error) {
	keys, err := read(ctx, c, key)
	if apierrors.IsNotFound(err) {
		first, genErr := GenerateKey(1)
		if genErr != nil {
			return nil, genErr
		}
		err = c.Create(ctx, newSecret(key, []Key{first}))
		switch {
		case err == nil:
			keys = []Key{first}
		case apierrors.IsAlreadyExists(err):
			keys, err = read(ctx, c, key)
		default:
			err = fmt.Errorf("create keyring Secret %s: %w", key, err)
		}
	}
	if err != nil {
		return nil, err
	}
	return New(keys...)
}

func read(ctx context.Context, c client.Reader, key types.NamespacedName) ([]Key, error) {
	s := &corev1.Secret{}
	if err := c.Get(ctx, key, s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, err
		}
		return nil, fmt.Errorf("read keyring Secret %s: %w", key, err)
	}
	if string(s.Type) != SecretType {
		return nil, fmt.Errorf("keyring Secret %s has type %q, want %q", key, s.Type, SecretType)
	}
	keys, err := Parse(s.Data)
	if err != nil {
		return nil, fmt.Errorf("keyring Secret %s: %w", key, err)
	}
	return keys, nil
}

func newSecret(key types.NamespacedName, keys []Key) *corev1.Secret {
	data := make(map[string][]byte, len(keys))
	for _, k := range keys {
		data[DataKey(k.ID)] = k.secret
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: key.Namespace,
			Name:      key.Name,
			Labels:    map[string]string{supportaccessv1alpha1.LabelManagedBy: supportaccessv1alpha1.ManagedByValue},
		},
		Type: SecretType,
		Data: data,
	}
}

// Refresher re-reads the keyring Secret on every replica, so a key added for rotation verifies
// everywhere before any replica signs with it (Keyring.Update). A read that fails, or a Secret that
// does not parse, keeps the keys in force: losing them would end every credential handed out.
type Refresher struct {
	Client client.Client
	Key    types.NamespacedName
	Ring   *Keyring
	Clock  clock.PassiveClock
	Log    logr.Logger
	// Interval defaults to RefreshInterval.
	Interval time.Duration
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: every replica verifies and signs.
func (r *Refresher) NeedLeaderElection() bool { return false }

// Start implements manager.Runnable.
func (r *Refresher) Start(ctx context.Context) error {
	interval := r.Interval
	if interval <= 0 {
		interval = RefreshInterval
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			r.refresh(ctx)
		}
	}
}

func (r *Refresher) refresh(ctx context.Context) {
	keys, err := read(ctx, r.Client, r.Key)
	if apierrors.IsNotFound(err) {
		// Deleted by hand: put back the keys this replica holds, or every grant's login email and
		// every session would stop verifying at the next restart.
		r.Log.Info("Keyring Secret is missing; recreating it from the keys in memory", "secret", r.Key.String())
		if err := r.Client.Create(ctx, newSecret(r.Key, r.Ring.keys())); err != nil && !apierrors.IsAlreadyExists(err) {
			r.Log.Error(err, "Cannot recreate the keyring Secret", "secret", r.Key.String())
		}
		return
	}
	if err != nil {
		r.Log.Error(err, "Cannot refresh the keyring; keeping the keys in force")
		return
	}
	before := r.Ring.SigningKeyID()
	if err := r.Ring.Update(keys, r.Clock.Now()); err != nil {
		r.Log.Error(err, "Keyring Secret holds no usable key; keeping the keys in force", "secret", r.Key.String())
		return
	}
	if after := r.Ring.SigningKeyID(); after != before {
		r.Log.Info("Signing with a new key", "keyID", after, "previousKeyID", before)
	}
}
