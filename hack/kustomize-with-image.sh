#!/usr/bin/env bash
# Renders a kustomization with the manager image set to IMG, without editing the committed files
# (kubectl's built-in kustomize has no `edit set image`): a throwaway overlay does it instead.
# Usage: hack/kustomize-with-image.sh <kubectl> <kustomization dir> <image>
set -euo pipefail
kubectl=${1:?kubectl path}
dir=$(cd "${2:?kustomization dir}" && pwd)
img=${3:?image}
name=${img%:*}
tag=latest
[ "$name" != "$img" ] && tag=${img##*:}
# Beside the kustomization, so the resource is a plain relative path (kustomize refuses absolute
# ones, and realpath --relative-to is GNU-only).
overlay=$(mktemp -d "$(dirname "$dir")/.overlay.XXXXXX")
trap 'rm -rf "$overlay"' EXIT
rel=../$(basename "$dir")
cat >"$overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- $rel
images:
- name: controller
  newName: $name
  newTag: "$tag"
YAML
"$kubectl" kustomize --load-restrictor=LoadRestrictionsNone "$overlay"
