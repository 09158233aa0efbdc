#!/usr/bin/env bash
# Install Debian's Chromium for the browser test of the built book (never a browser download
# from elsewhere: Playwright drives /usr/bin/chromium). Does nothing when it is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
if ! command -v apt-get >/dev/null; then
  echo "The browser test needs Chromium at /usr/bin/chromium; install it with your package manager." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser test"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
