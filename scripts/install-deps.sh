#!/usr/bin/env bash
# Installs everything vmexporter needs to build, test and demo on Debian bookworm:
# the C++ toolchain and libraries, Debian's VictoriaMetrics binaries, chromium for browser tests,
# and the npm packages (npm ci). Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  libcpp-httplib-dev libcurl4-openssl-dev libsimdjson-dev nlohmann-json3-dev libarchive-dev
  libssl-dev zlib1g-dev libisal-dev isal libcli11-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  victoria-metrics chromium python3 curl unzip zip time iproute2 xdg-utils
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js: any installed node with npm will do (some machines carry a vendor build that bundles
# npm and conflicts with Debian's npm package); otherwise Debian's.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.vmx-lock-stamp; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.vmx-lock-stamp
fi
