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

// Package execcred speaks client-go's exec credential plugin protocol
// (client.authentication.k8s.io/v1): it reads what kubectl tells the plugin in
// KUBERNETES_EXEC_INFO and writes the ExecCredential kubectl reads the token from.
package execcred

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientauthenticationv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
)

const (
	// APIVersion is the only version this plugin speaks.
	APIVersion = "client.authentication.k8s.io/v1"
	// Kind of the objects exchanged.
	Kind = "ExecCredential"
	// InfoEnv is the variable client-go passes the request in.
	InfoEnv = "KUBERNETES_EXEC_INFO"
)

// Info is what the plugin learnt from KUBERNETES_EXEC_INFO.
type Info struct {
	// Present is false when the variable is unset: the plugin was not started by client-go.
	Present bool
	// Interactive is true when client-go handed the plugin a terminal on stdin (interactiveMode
	// IfAvailable or Always).
	Interactive bool
}

// ParseInfo decodes KUBERNETES_EXEC_INFO's value ("" when unset).
func ParseInfo(value string) (Info, error) {
	if value == "" {
		return Info{}, nil
	}
	var cred clientauthenticationv1.ExecCredential
	if err := json.Unmarshal([]byte(value), &cred); err != nil {
		return Info{}, fmt.Errorf("%s is not an ExecCredential: %w", InfoEnv, err)
	}
	if cred.APIVersion != APIVersion || cred.Kind != Kind {
		return Info{}, fmt.Errorf("%s asks for %s %s; this plugin speaks %s only: set apiVersion: %s in the kubeconfig's exec section",
			InfoEnv, cred.APIVersion, cred.Kind, APIVersion, APIVersion)
	}
	return Info{Present: true, Interactive: cred.Spec.Interactive}, nil
}

// Write prints the ExecCredential holding token, valid until expiresAt, to w. client-go keeps
// using the token until then, and runs the plugin again sooner if kube-apiserver answers 401.
func Write(w io.Writer, token string, expiresAt time.Time, interactive bool) error {
	exp := metav1.NewTime(expiresAt.UTC())
	cred := clientauthenticationv1.ExecCredential{
		TypeMeta: metav1.TypeMeta{APIVersion: APIVersion, Kind: Kind},
		Spec:     clientauthenticationv1.ExecCredentialSpec{Interactive: interactive},
		Status:   &clientauthenticationv1.ExecCredentialStatus{Token: token, ExpirationTimestamp: &exp},
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return fmt.Errorf("encode ExecCredential: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
