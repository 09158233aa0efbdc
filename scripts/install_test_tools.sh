#!/usr/bin/env bash
# The test suite's tools outside Python, installed by `make test` (never by `make book`):
#   * Debian's Chromium, which the browser test drives through Playwright (never a browser
#     download from elsewhere). Installing it needs apt-get and root (or sudo).
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
