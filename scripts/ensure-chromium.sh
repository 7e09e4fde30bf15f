#!/bin/sh
# Install Debian's chromium package for the chat page's browser tests, unless it is present.
# Playwright drives this binary, so it never downloads a browser of its own. Without root the
# script only reports what is missing, and the browser tests skip with that reason.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-chromium: $CHROMIUM not found and not running as root;" \
        "run 'apt-get install chromium' as root, or the browser tests will skip" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM not found and apt-get is missing;" \
        "install Chromium at $CHROMIUM by other means, or the browser tests will skip" >&2
    exit 0
fi

echo "ensure-chromium: installing Debian's chromium package" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
