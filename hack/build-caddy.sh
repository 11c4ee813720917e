#!/usr/bin/env bash
# Builds the pinned Caddy (the real gateway of the browser tests and the local tour, docs/gateways.md)
# from its Go module, because no release binary can be downloaded on our build machines. Caddy stays
# out of the project's go.mod: it is built in a scratch module of its own.
#
# Cached per version in the same user-level directory as the control plane
# (hack/build-control-plane.sh), linked into the project's git-ignored bin/.
#
# Usage: hack/build-caddy.sh <caddy-version> <link-path>
#   e.g. hack/build-caddy.sh 2.11.9 bin/caddy-2.11.9
# Prints the link path on success.
set -euo pipefail

version=${1:?caddy version, e.g. 2.11.9}
link=${2:?path to link the binary at}

goos=$(go env GOOS)
goarch=$(go env GOARCH)
cache_root=${SUPPORTACCESS_CACHE_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/support-access-operator}
cache_dir="$cache_root/caddy/${version}-${goos}-${goarch}"

log() { echo "build-caddy: $*" >&2; }

if [ ! -x "$cache_dir/caddy" ]; then
  mkdir -p "$cache_root/caddy"
  exec 9>"$cache_root/caddy/.lock"
  flock 9
  if [ ! -x "$cache_dir/caddy" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/supportaccess-caddy-build.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    start=$(date +%s)
    log "building caddy v${version} (a few minutes the first time)"
    mkdir -p "$cache_dir"
    # go install of a module version builds it with its own go.mod, outside any project.
    (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 GOBIN="$work/bin" \
      go install -trimpath -ldflags "-s -w" "github.com/caddyserver/caddy/v2/cmd/caddy@v${version}" >&2)
    mv -f "$work/bin/caddy" "$cache_dir/caddy"
    log "built in $(( $(date +%s) - start ))s into $cache_dir"
  fi
  flock -u 9
fi

mkdir -p "$(dirname "$link")"
ln -sfn "$cache_dir/caddy" "$link"
echo "$link"
