#!/usr/bin/env bash
# Fails when code is not gofmt-clean or when generated files (CRDs, RBAC, webhooks, deepcopy) differ
# from what is committed: `make verify` regenerates them first, so any difference here means someone
# edited a generated file or forgot to run `make manifests generate`.
set -euo pipefail
cd "$(dirname "$0")/.."

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change these files (run 'make fmt'):" >&2
  echo "$unformatted" >&2
  exit 1
fi

if git rev-parse --git-dir >/dev/null 2>&1; then
  generated=(config/crd/bases config/rbac/role.yaml config/webhook/manifests.yaml api/v1alpha1/zz_generated.deepcopy.go charts/support-access-operator/files)
  existing=()
  for f in "${generated[@]}"; do [ -e "$f" ] && existing+=("$f"); done
  stale=$(git status --porcelain -- "${existing[@]}")
  if [ -n "$stale" ]; then
    echo "generated files are stale or uncommitted (run 'make manifests generate' and commit):" >&2
    echo "$stale" >&2
    git --no-pager diff --stat -- "${existing[@]}" >&2
    exit 1
  fi
fi
