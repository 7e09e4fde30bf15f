#!/usr/bin/env bash
# Install Debian's PostgreSQL server for the tests when initdb is missing and this runs as root
# with apt-get. Otherwise print why nothing was installed and exit 0, since the PostgreSQL tests
# then skip with the reason and the rest of the suite still runs.
set -uo pipefail

have_initdb() {
    command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

skip() {
    echo "ensure-postgres: $1, so the PostgreSQL tests will skip" >&2
    exit 0
}

have_initdb && exit 0
[ "$EUID" -eq 0 ] || skip "initdb not found and not running as root to install it"
command -v apt-get >/dev/null 2>&1 || skip "initdb not found and apt-get is missing"

echo "ensure-postgres: initdb not found; installing Debian's postgresql package" >&2
log=$(mktemp)
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq >"$log" 2>&1 &&
    apt-get install -y -qq --no-install-recommends postgresql >>"$log" 2>&1; then
    rm -f "$log"
    have_initdb && exit 0
    skip "the postgresql package installed no initdb under /usr/lib/postgresql"
fi
echo "ensure-postgres: apt-get failed; its last lines:" >&2
tail -n 5 "$log" >&2
rm -f "$log"
skip "installing postgresql failed"
