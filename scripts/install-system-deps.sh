#!/usr/bin/env bash
# Install the Debian packages the tests and demo use, if any is missing (root or sudo).
set -euo pipefail
PKGS=(${COPILOT_APT_PACKAGES:-})
[ -f "$(dirname "$0")/apt-packages.txt" ] && PKGS+=($(grep -v '^#' "$(dirname "$0")/apt-packages.txt"))
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "copilot: missing Debian packages: ${missing[*]} (install them as root)" >&2; exit 1
  fi
fi
echo "copilot: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
