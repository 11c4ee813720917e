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

// Package authapi holds the JSON bodies of the auth service's API (docs/auth-service.md,
// docs/reference.md#auth-endpoints): the one definition that the service, the kubectl plugin's
// client and the tests encode and decode. The field names are a contract: clients in the wild
// read them.
package authapi

import "time"

// LoginRequest is the body of POST /v1/login.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// LoginResponse is POST /v1/login's answer: a session token and what it is good for.
type LoginResponse struct {
	Token              string    `json:"token"`
	TokenType          string    `json:"tokenType"`
	ExpiresAt          time.Time `json:"expiresAt"`
	IdleTimeoutSeconds int64     `json:"idleTimeoutSeconds"`
	AccessLevel        string    `json:"accessLevel"`
	Account            string    `json:"account"`
	Grant              string    `json:"grant"`
}

// SessionResponse is GET /v1/session's answer: who the token is.
type SessionResponse struct {
	Username           string              `json:"username"`
	Groups             []string            `json:"groups"`
	Extra              map[string][]string `json:"extra"`
	Email              string              `json:"email"`
	AccessLevel        string              `json:"accessLevel"`
	Account            string              `json:"account"`
	Grant              string              `json:"grant"`
	ExpiresAt          time.Time           `json:"expiresAt"`
	IdleTimeoutSeconds int64               `json:"idleTimeoutSeconds"`
	LoggedInAt         time.Time           `json:"loggedInAt"`
}

// Error is the body of every error answer: a machine-readable code and a sentence for people.
type Error struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}
