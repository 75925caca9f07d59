#!/usr/bin/env bash
# Runs the test suite (or only the test files given) on another major version of Node.js, taken
# from the npm registry as the `node` package:
#
#   scripts/test-on-node.sh 24                                  # the whole suite on Node 24
#   scripts/test-on-node.sh 24 test/storage/sqlite.test.ts      # a few files
#
# better-sqlite3 is a native addon, built for one Node ABI. It is rebuilt here against that
# Node's own headers (the registry package ships them, so node-gyp downloads nothing), and the
# checkout's own build is put back on exit: afterwards the checkout runs on the machine's node as
# before.
set -euo pipefail
cd "$(dirname "$0")/.."

major="${1:-}"
if [[ ! "$major" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/test-on-node.sh MAJOR [test files...]" >&2
  exit 64
fi
shift

fail() {
  echo "test-on-node: $*" >&2
  exit 1
}

# The registry's `node` package installs node-<os>-<arch> at install time and npx's cache can drop
# that nested install on a later run, together with the headers: ask for the platform package
# itself, which holds both the binary (bin/node) and the headers (include/node).
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
pkg="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$arch@$major"
echo "test-on-node: fetching Node.js $major (npx -p $pkg)"
node_bin=$(npx -y -p "$pkg" -c 'node -p process.execPath') ||
  fail "could not get Node.js $major from the npm registry (npx -y -p $pkg failed; see above)"
[[ -x "$node_bin" ]] || fail "npx -p $pkg gave no node binary (got '$node_bin')"
version=$("$node_bin" --version)
[[ "$version" == "v$major."* ]] || fail "npx -p $pkg runs $version, not Node.js $major"
nodedir=$(dirname "$(dirname "$node_bin")")
[[ -f "$nodedir/include/node/node_version.h" ]] ||
  fail "no include/node/node_version.h in $nodedir: cannot build better-sqlite3 for $version"

addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
[[ -f "$addon" ]] || fail "$addon is missing: run npm ci first"
saved=$(mktemp)
cp "$addon" "$saved"
trap 'cp "$saved" "$addon"; rm -f "$saved"' EXIT

export PATH="$(dirname "$node_bin"):$PATH"
echo "test-on-node: rebuilding better-sqlite3 for $version (headers: $nodedir)"
npm rebuild better-sqlite3 --nodedir="$nodedir" >/dev/null ||
  fail "npm rebuild better-sqlite3 failed on $version"
"$node_bin" -e "new (require('better-sqlite3'))(':memory:').close()" ||
  fail "better-sqlite3 does not load on $version after the rebuild"

echo "test-on-node: running the tests on $version"
# run-tests.mjs starts the test runner with process.execPath: every test, and every gw it spawns, runs on $version.
"$node_bin" scripts/run-tests.mjs "$@"
