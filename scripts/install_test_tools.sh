#!/usr/bin/env bash
# The test suite's tools outside Python, installed by `make test` (never by `make book`):
#   * Debian's Chromium, which the browser test drives through Playwright (never a browser
#     download from elsewhere). Installing it needs apt-get and root (or sudo).
#   * axe-core, the accessibility audit the browser test runs on every page (below).
# Does nothing for a tool that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
else
  if ! command -v apt-get >/dev/null; then
    echo "The browser test needs Chromium at /usr/bin/chromium; install it with your package manager." >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "Installing Debian's chromium for the browser test"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  /usr/bin/chromium --version
fi

#   * axe-core (from the npm registry, a pinned version) into node_modules/axe-core: the browser
#     test's accessibility audit injects its axe.min.js into every page. node_modules/ is
#     git-ignored and excluded from the book (the build neither reads nor serves it); once
#     installed, the audit runs offline.
axe_version=4.14.1
axe_dest=node_modules/axe-core
if [ -f "$axe_dest/axe.min.js" ] && [ "$(cat "$axe_dest/VERSION" 2>/dev/null)" = "$axe_version" ]; then
  echo "axe-core $axe_version: already in $axe_dest"
else
  if ! command -v npm >/dev/null; then
    echo "The accessibility audit needs npm to fetch axe-core $axe_version; install Node.js and npm." >&2
    exit 1
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "Fetching axe-core@$axe_version from the npm registry into $axe_dest"
  (cd "$tmp" && npm pack --silent "axe-core@$axe_version" >/dev/null)
  tar -xzf "$tmp/axe-core-$axe_version.tgz" -C "$tmp"
  rm -rf "$axe_dest"
  mkdir -p "$axe_dest"
  cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$axe_dest/"
  echo "$axe_version" > "$axe_dest/VERSION"
  echo "axe-core $(cat "$axe_dest/VERSION") in $axe_dest"
fi
