#!/usr/bin/env bash
# A node >= NODE_MIN for the JS toolchain (vitest, vite and happy-dom declare node >= 20).
#
# In order: the node on PATH when new enough; else Debian's nodejs package when its candidate is
# new enough (bookworm's is 18: too old); else the npm registry's `node` package (a prebuilt
# binary shipped inside a registry package) installed into $NODE_PREFIX, whose bin directory the
# Makefile puts first on PATH. Getting npm for that last step may install Debian's nodejs + npm.
# Prints the node it settled on. Needs root (apt) only when it has to install Debian packages.
set -euo pipefail

NODE_MIN=${NODE_MIN:-20}
NODE_PREFIX=${NODE_PREFIX:-.cache/node}
NODE_PIN=${NODE_PIN:-20}   # the `node` package's major version taken from the npm registry

major() {  # major version of the node binary $1, 0 when it does not run
  "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0
}

local_node="$NODE_PREFIX/node_modules/.bin/node"
if [ -x "$local_node" ] && [ "$(major "$local_node")" -ge "$NODE_MIN" ]; then
  echo "node $("$local_node" --version) ($local_node)"; exit 0
fi
if command -v node >/dev/null && [ "$(major node)" -ge "$NODE_MIN" ]; then
  echo "node $(node --version) ($(command -v node))"; exit 0
fi

have_apt() { command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; }
if have_apt; then
  apt-get update -qq || true
  candidate=$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ {print $2}')
  cand_major=$(echo "${candidate:-0}" | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/')
  if [ "${cand_major:-0}" -ge "$NODE_MIN" ] 2>/dev/null; then
    echo "installing Debian's nodejs $candidate"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    echo "node $(node --version) ($(command -v node))"; exit 0
  fi
  if ! command -v npm >/dev/null; then
    echo "Debian's nodejs is $candidate (< $NODE_MIN): installing it only for its npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
fi

if ! command -v npm >/dev/null; then
  echo "no node >= $NODE_MIN and no npm to fetch one: install Node.js $NODE_MIN or newer" >&2
  exit 1
fi
echo "fetching node@$NODE_PIN from the npm registry into $NODE_PREFIX"
mkdir -p "$NODE_PREFIX"
npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "node@$NODE_PIN" >/dev/null
if [ "$(major "$local_node")" -lt "$NODE_MIN" ]; then
  echo "the npm registry's node@$NODE_PIN did not give a node >= $NODE_MIN" >&2; exit 1
fi
echo "node $("$local_node" --version) ($local_node)"
