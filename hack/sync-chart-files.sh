#!/usr/bin/env bash
# Copies the generated and shared manifests of config/ into the Helm chart's files/, which its
# templates read and rename as config/default does (docs/helm.md). `make manifests` runs it after
# controller-gen, and `make verify` fails when the copies are stale, so the chart cannot drift.
set -euo pipefail
cd "$(dirname "$0")/.."
files=charts/support-access-operator/files

sync() { # sync DEST SRC...: DEST holds exactly the SRC files
  local dest=$1; shift
  mkdir -p "$dest"
  find "$dest" -maxdepth 1 -name '*.yaml' -delete
  cp "$@" "$dest/"
}

sync "$files/crds" config/crd/bases/*.yaml
sync "$files/rbac" config/rbac/role.yaml
sync "$files/webhook" config/webhook/manifests.yaml
# The policies, not kustomize's own files.
sync "$files/admission" $(ls config/admission/*.yaml | grep -v -e /kustomization.yaml -e /kustomizeconfig.yaml)
