#!/usr/bin/env bash
# The system packages `npm test` needs on a Debian or Ubuntu machine, checked before any test runs (npm runs this
# as the `pretest` step). Whatever is missing is installed with apt-get when we run as root; otherwise we stop at
# once and print the one line to run, rather than letting suites fail later one by one.
#
# To require one more thing, write a `check_…` function that calls `need PACKAGE "why"` when it is missing and add
# its name to `checks` below. Only system packages belong here: code-server (the VS Code of the end-to-end tests)
# comes from the npm registry and is installed and cached by test/e2e/harness/installCodeServer.ts.
set -euo pipefail

packages=()   # Debian packages to install
reasons=()    # one line each: what is missing and what needs it

need() {
  local package="$1" why="$2"
  packages+=("$package")
  reasons+=("  $package: $why")
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

# The PostgreSQL major the test server runs: the newest one installed (test/helpers/postgresServer.ts picks the
# same), else the distribution's default (Debian 12: 15, Ubuntu 24.04: 16).
postgres_major() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | while read -r m; do
    [ -x "/usr/lib/postgresql/$m/bin/postgres" ] && echo "$m"; done | tail -n 1 || true)
  [ -n "$v" ] || v=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1 || true)
  echo "${v:-15}"
}

check_postgres_server() {
  # $PG_BIN names a server the developer manages; we then check nothing about it.
  [ -n "${PG_BIN:-}" ] && return 0
  [ -x "/usr/lib/postgresql/$pg/bin/postgres" ] || need "postgresql-$pg" "the PostgreSQL server the tests start (throw-away, on loopback)"
}

check_hypopg() {
  [ -n "${PG_BIN:-}" ] && return 0
  [ -f "/usr/share/postgresql/$pg/extension/hypopg.control" ] || need "postgresql-$pg-hypopg" "hypothetical indexes for the index advisor's tests"
}

check_chromium() {
  # The browser and editor tests drive /usr/bin/chromium through playwright-core (which downloads none of its own).
  [ -x /usr/bin/chromium ] && return 0
  if grep -qx 'ID=ubuntu' /etc/os-release 2>/dev/null; then
    # Ubuntu has no Chromium .deb (its chromium-browser installs the snap), so apt-get cannot give /usr/bin/chromium.
    need chromium-browser "the browser the plan-view and editor tests drive; Ubuntu installs it as a snap: then run sudo ln -s /snap/bin/chromium /usr/bin/chromium"
  else
    need chromium "the browser the plan-view and editor tests drive"
  fi
}

check_native_build_tools() {
  # code-server's native modules are compiled from source (their prebuilt binaries come from outside npm).
  { command -v g++ && command -v make; } >/dev/null 2>&1 || need build-essential "compiles code-server's native modules"
  command -v python3 >/dev/null 2>&1 || need python3 "runs node-gyp, which compiles code-server's native modules"
}

check_kerberos_headers() {
  installed libkrb5-dev || need libkrb5-dev "headers of the kerberos module code-server's VS Code loads"
}

check_ripgrep() {
  command -v rg >/dev/null 2>&1 || need ripgrep "VS Code's file search (copied into code-server)"
}

checks=(postgres_server hypopg chromium native_build_tools kerberos_headers ripgrep)

pg=$(postgres_major)
for check in "${checks[@]}"; do "check_$check"; done
[ ${#packages[@]} -eq 0 ] && exit 0

echo "setup-test-machine: the tests need these system packages:" >&2
printf '%s\n' "${reasons[@]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test-machine: no apt-get here; install the equivalents of: ${packages[*]}" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-test-machine: not root, so not installing them. Run this, then npm test again:" >&2
  echo "sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
echo "setup-test-machine: installing ${packages[*]} (apt-get)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
# The check list again: a package that installed but did not give what a check looks for must stop us here.
packages=()
reasons=()
pg=$(postgres_major)
for check in "${checks[@]}"; do "check_$check"; done
if [ ${#packages[@]} -gt 0 ]; then
  echo "setup-test-machine: still missing after apt-get install:" >&2
  printf '%s\n' "${reasons[@]}" >&2
  exit 1
fi
