#!/usr/bin/env bash
# Builds the pinned local control plane (kube-apiserver, kube-controller-manager, kubectl, etcd) from
# their Go modules, because no release binary can be downloaded on our build machines.
#
# The binaries are cached per version in a user-level directory (like setup-envtest's
# ~/.local/share/kubebuilder-envtest), so every clone on the machine reuses one build, and linked into
# the project's git-ignored bin/k8s/<version>/ which is what KUBEBUILDER_ASSETS points at.
#
# Usage: hack/build-control-plane.sh <kube-version> <etcd-version> <link-dir>
#   e.g. hack/build-control-plane.sh 1.37.2 3.6.16 bin/k8s/1.37.2
# Prints the link directory on success.
set -euo pipefail

kube_version=${1:?kube version, e.g. 1.37.2}
etcd_version=${2:?etcd version, e.g. 3.6.16}
link_dir=${3:?directory to link the binaries into}

goos=$(go env GOOS)
goarch=$(go env GOARCH)
cache_root=${SUPPORTACCESS_CACHE_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/support-access-operator}
cache_dir="$cache_root/k8s/${kube_version}-etcd${etcd_version}-${goos}-${goarch}"
binaries=(kube-apiserver kube-controller-manager kubectl etcd)

log() { echo "build-control-plane: $*" >&2; }

have_all() {
  local b
  for b in "${binaries[@]}"; do [ -x "$cache_dir/$b" ] || return 1; done
}

build_kubernetes() {
  local work=$1 out=$2
  mkdir -p "$work/kube"
  cd "$work/kube"
  # k8s.io/kubernetes replaces its staging modules with local paths, which a dependent module ignores;
  # replace each with its published release (v0.<minor>.<patch>) instead.
  local staging_version="v0.${kube_version#*.}"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v${kube_version}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [ -f "$gomod" ] || { log "cannot download k8s.io/kubernetes@v${kube_version}"; exit 1; }
  {
    echo "module supportaccess.local/build-kubernetes"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//; s/^\([0-9]*\.[0-9]*\).*/\1/')"
    echo
    echo "require k8s.io/kubernetes v${kube_version}"
    echo
    grep -E '^[[:space:]]*k8s\.io/[^ ]+ => \./staging/' "$gomod" \
      | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } >go.mod
  cat >tools.go <<'GO'
//go:build tools

package tools
GO
  local pkg=k8s.io/component-base/version cpkg=k8s.io/client-go/pkg/version
  local major=${kube_version%%.*} rest=${kube_version#*.}
  local minor=${rest%%.*}
  local date ldflags
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  ldflags="-s -w"
  for p in $pkg $cpkg; do
    ldflags+=" -X $p.gitVersion=v${kube_version} -X $p.gitMajor=${major} -X $p.gitMinor=${minor}"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=${date}"
  done
  log "resolving k8s.io/kubernetes v${kube_version} (staging modules at ${staging_version})"
  GOFLAGS=-mod=mod go get "k8s.io/kubernetes@v${kube_version}" >&2
  log "building kube-apiserver, kube-controller-manager, kubectl (several minutes the first time)"
  GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl >&2
}

build_etcd() {
  local work=$1 out=$2
  mkdir -p "$work/etcd"
  cd "$work/etcd"
  cat >go.mod <<GOMOD
module supportaccess.local/build-etcd

go $(go env GOVERSION | sed 's/^go//; s/^\([0-9]*\.[0-9]*\).*/\1/')

require go.etcd.io/etcd/server/v3 v${etcd_version}
GOMOD
  log "building etcd v${etcd_version}"
  GOFLAGS=-mod=mod go get "go.etcd.io/etcd/server/v3@v${etcd_version}" >&2
  GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v${etcd_version}" \
    -o "$out/etcd" go.etcd.io/etcd/server/v3 >&2
}

if ! have_all; then
  mkdir -p "$cache_root/k8s"
  # One builder at a time per cache (two clones running make test at once must not race).
  exec 9>"$cache_root/k8s/.lock"
  flock 9
  if ! have_all; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/supportaccess-k8s-build.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    staged="$work/out"
    mkdir -p "$staged"
    start=$(date +%s)
    (build_etcd "$work" "$staged")
    (build_kubernetes "$work" "$staged")
    mkdir -p "$cache_dir"
    for b in "${binaries[@]}"; do mv -f "$staged/$b" "$cache_dir/$b"; done
    log "built in $(( $(date +%s) - start ))s into $cache_dir"
  fi
  flock -u 9
fi

mkdir -p "$link_dir"
for b in "${binaries[@]}"; do ln -sfn "$cache_dir/$b" "$link_dir/$b"; done
echo "$link_dir"
