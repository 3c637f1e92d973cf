#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (test/browser) when it is absent ($CHROMIUM_PATH,
# default /usr/bin/chromium). `npm test` runs it first (pretest), so the test command sets up everything.
# Playwright's own browser download cannot work here (only the npm registry and Debian's apt are
# reachable), so the tests drive Debian's build through playwright-core. CI runs as root; a
# developer without root runs the same command with sudo.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
# Quiet when present, as `npm run setup` is when the jar is cached.
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing and this is not root: run  sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
