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

package main

import (
	"sync"

	"github.com/supportaccess/support-access-operator/internal/keyring"
)

// benchKeyring is the keyring of the baselines and in-process services: they must do the work
// the manager does for a login email (a MAC of the grant's UID), with a key of their own.
var benchKeyring = sync.OnceValue(func() *keyring.Keyring {
	key, err := keyring.GenerateKey(1)
	if err != nil {
		panic(err)
	}
	ring, err := keyring.New(key)
	if err != nil {
		panic(err)
	}
	return ring
})
