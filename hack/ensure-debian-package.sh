#!/usr/bin/env bash
# Makes sure a program of the browser and gateway tests (Chromium, nginx) is installed, from Debian's
# package. As root it runs apt-get; otherwise it fails with the exact command to run. Never a silent
# skip: make test needs the real program (docs/gateways.md, README "Tests").
#
# Usage: hack/ensure-debian-package.sh <program-path> <debian-package>
#   e.g. hack/ensure-debian-package.sh /usr/bin/chromium chromium
set -euo pipefail

program=${1:?program path, e.g. /usr/bin/chromium}
package=${2:?Debian package, e.g. chromium}

if [ -x "$program" ]; then exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-debian-package: $program is missing; install it with:" >&2
  echo "  sudo apt-get install -y $package" >&2
  exit 1
fi

echo "ensure-debian-package: installing $package (for $program)" >&2
export DEBIAN_FRONTEND=noninteractive
# One apt at a time on the machine: two clones running make test at once must not race on dpkg's lock.
exec 9>/tmp/.supportaccess-apt.lock
flock 9
if [ ! -x "$program" ]; then
  if ! apt-get install -y --no-install-recommends "$package" >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends "$package" >&2
  fi
fi
[ -x "$program" ] || { echo "ensure-debian-package: $package installed no $program" >&2; exit 1; }
