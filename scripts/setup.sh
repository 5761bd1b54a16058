#!/usr/bin/env bash
# Installs what the build and tests need, only what is missing: Debian
# packages through apt-get (chromium and a CJK font for the browser tests
# included), the npm packages of the end-to-end tests and of clients/
# through `npm ci` (from the committed package-lock.json files), and builds
# the web console and mobile client (clients/dist) when their sources
# changed. Node.js 20 and npm must already be on the machine (they are not
# installed from Debian here: Debian's npm conflicts with them).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(cmake gcc g++ make pkg-config
      libgrpc-dev protobuf-c-compiler libprotobuf-c-dev
      librocksdb-dev libjemalloc-dev libbenchmark-dev libcmocka-dev
      liblemon-dev libssl-dev openssl
      chromium fonts-wqy-zenhei
      etcd-server etcd-client haproxy libcurl4-openssl-dev
      libmicrohttpd-dev prometheus)
[ -n "${PL_EXTRA_PKGS:-}" ] && read -r -a extra <<<"$PL_EXTRA_PKGS" && PKGS+=("${extra[@]}")

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: Node.js 20 and npm are required (see docs/building.md)" >&2
  exit 1
fi

# npm packages of the end-to-end tests, when the lockfile changed or they
# are absent.
for dir in tests/e2e clients; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# The console and mobile pages (Vite): rebuilt when a source is newer than
# the last build.
out=clients/dist/web/index.html
if [ ! -f "$out" ] || [ -n "$(find clients/web clients/mobile clients/shared clients/vite.config.mjs clients/package-lock.json -newer "$out" -print -quit)" ]; then
  echo "setup: building clients (vite)"
  (cd clients && npm run build --silent >/dev/null)
fi
