{{/*
The chart's name, or nameOverride.
*/}}
{{- define "sao.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object name: fullnameOverride, else the release name when it contains the
chart's name, else <release>-<chart>. Release "support-access-operator" gives
"support-access-operator", config/default's namePrefix without its dash. Cut to 28 characters, so
that the longest Service name (<fullname>-controller-manager-metrics-service) stays within 63.
*/}}
{{- define "sao.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 28 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 28 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 28 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A prefixed object name: (include "sao.prefixed" (list . "controller-manager")).
*/}}
{{- define "sao.prefixed" -}}
{{- $ctx := index . 0 }}
{{- printf "%s-%s" (include "sao.fullname" $ctx) (index . 1) }}
{{- end }}

{{/*
The labels Helm's conventions add to every object. test/helm ignores exactly these when it compares
the chart with config/default.
*/}}
{{- define "sao.helmLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/*
The labels of config/'s objects: app.kubernetes.io/name, and Helm's.
*/}}
{{- define "sao.labels" -}}
app.kubernetes.io/name: {{ include "sao.name" . }}
{{ include "sao.helmLabels" . }}
{{- end }}

{{/*
The manager pods' labels, which the Deployment, the Services, the PodDisruptionBudget and the
NetworkPolicies select. The same as config/default's, so an install made with kustomize can be
adopted by a release (a Deployment's selector cannot change).
*/}}
{{- define "sao.selectorLabels" -}}
control-plane: controller-manager
app.kubernetes.io/name: {{ include "sao.name" . }}
{{- end }}

{{/*
The manager's ServiceAccount.
*/}}
{{- define "sao.serviceAccountName" -}}
{{- include "sao.prefixed" (list . "controller-manager") }}
{{- end }}

{{/*
The auth service's Service name, the host of kube-apiserver's token webhook.
*/}}
{{- define "sao.authServiceName" -}}
{{- include "sao.prefixed" (list . "auth-service") }}
{{- end }}

{{/*
The issuerRef of the chart's certificates: certManager.issuerRef, else the chart's self-signed Issuer.
*/}}
{{- define "sao.issuerRef" -}}
{{- if .Values.certManager.issuerRef }}
{{- toYaml .Values.certManager.issuerRef }}
{{- else }}
kind: Issuer
name: {{ include "sao.prefixed" (list . "selfsigned-issuer") }}
{{- end }}
{{- end }}

{{/*
A Kubernetes quantity (e.g. 256Mi, 1Gi, 512M, 268435456) in bytes, as an int64; fails on anything
else (the schema allows only these forms for manager.resources.limits.memory).
*/}}
{{- define "sao.quantityBytes" -}}
{{- $q := toString . }}
{{- if kindIs "float64" . }}
{{- $q = printf "%.0f" . }}
{{- end }}
{{- $m := regexFind "^[0-9]+" $q }}
{{- if not $m }}
{{- fail (printf "manager.resources.limits.memory %q: GOMEMLIMIT is derived from it, so it must be a whole number with an optional suffix Ki, Mi, Gi, Ti, k, M, G or T (or set manager.goMemLimit.value)" $q) }}
{{- end }}
{{- $suffix := trimPrefix $m $q }}
{{- $units := dict "" 1 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 }}
{{- if not (hasKey $units $suffix) }}
{{- fail (printf "manager.resources.limits.memory %q: GOMEMLIMIT is derived from it, so its suffix must be one of Ki, Mi, Gi, Ti, k, M, G, T (or set manager.goMemLimit.value)" $q) }}
{{- end }}
{{- mul (atoi $m) (get $units $suffix) }}
{{- end }}

{{/*
GOMEMLIMIT: manager.goMemLimit.value, else percentOfMemoryLimit percent of
manager.resources.limits.memory in whole MiB; empty without either.
*/}}
{{- define "sao.goMemLimit" -}}
{{- $g := .Values.manager.goMemLimit }}
{{- if $g.value }}
{{- $g.value }}
{{- else }}
{{- $limits := (.Values.manager.resources | default dict).limits | default dict }}
{{- if $limits.memory }}
{{- $bytes := include "sao.quantityBytes" $limits.memory | atoi }}
{{- $mib := div (div (mul $bytes (int $g.percentOfMemoryLimit)) 100) 1048576 }}
{{- if lt $mib 1 }}
{{- fail (printf "GOMEMLIMIT: %d%% of manager.resources.limits.memory %s is under 1MiB" (int $g.percentOfMemoryLimit) $limits.memory) }}
{{- end }}
{{- printf "%dMiB" $mib }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Checks of combinations the schema cannot express, with what to do.
*/}}
{{- define "sao.validate" -}}
{{- if eq .Values.admission.mode "policies" }}
{{- if not (semverCompare ">=1.36.0-0" .Capabilities.KubeVersion.Version) }}
{{- fail (printf "admission.mode=policies needs Kubernetes 1.36 or later (MutatingAdmissionPolicy), this cluster is %s: set admission.mode=webhooks" .Capabilities.KubeVersion.Version) }}
{{- end }}
{{- end }}
{{- if and (eq .Values.admission.mode "webhooks") (not .Values.certManager.enabled) (not .Values.admission.webhooks.caBundle) }}
{{- fail "admission.mode=webhooks without certManager.enabled needs admission.webhooks.caBundle (the CA of the certificate in the Secret admission.webhooks.certSecretName)" }}
{{- end }}
{{- if and .Values.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "serviceMonitor.enabled needs metrics.enabled" }}
{{- end }}
{{- if and (gt (int .Values.manager.replicas) 1) (not .Values.manager.leaderElection.enabled) }}
{{- fail "manager.replicas > 1 needs manager.leaderElection.enabled: without it every replica reconciles" }}
{{- end }}
{{- end }}
