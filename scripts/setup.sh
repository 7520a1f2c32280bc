#!/usr/bin/env bash
# Installs what the demo and the tests need and is missing. Idempotent: each step checks
# first and skips what is already there, so a second run takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# 1. The wasm target for the front end.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. cargo-leptos (builds the demo: server + hydrated wasm). Its locked dependencies need a
#    newer rustc than stable 1.95, so it is built with the nightly toolchain.
if ! command -v cargo-leptos >/dev/null 2>&1; then
  say "installing cargo-leptos 0.3.11 (about 11 minutes on 2 cores, once)"
  if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
  fi
  cargo +nightly install --locked cargo-leptos --version 0.3.11
fi

# 3. The wasm-bindgen CLI at exactly the version Cargo.lock pins (cargo-leptos and
#    wasm-bindgen-test-runner both need it to match the library).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -n "$want" ] && [ "$want" != "$have" ]; then
  say "installing wasm-bindgen-cli $want (was: ${have:-none})"
  # Not --locked: one of its locked dependencies is no longer on the registry.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

# 4. wasm-opt for release builds (cargo-leptos would otherwise try to download it).
if ! command -v wasm-opt >/dev/null 2>&1; then
  say "installing wasm-opt (npm binaryen)"
  npm install -g --no-fund --no-audit binaryen >/dev/null
fi

# 5. Chromium and chromedriver for the browser tests.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  say "installing chromium and chromium-driver (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 5b. Redis for the server-session tests (several instances sharing one store). The tests
#     start and stop their own server on 127.0.0.1; the package's service is not used.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  say "installing redis-server (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server >/dev/null
fi

# 6. cargo-fuzz for the fuzz targets in fuzz/ (nightly, which step 2 installs).
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz (about 1.5 minutes, once)"
  if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
  fi
  cargo +nightly install --locked cargo-fuzz
fi

# 6b. cargo-machete for the unused-dependency check of the test command
#     (scripts/check-unused-deps.sh).
if ! command -v cargo-machete >/dev/null 2>&1; then
  say "installing cargo-machete 0.9.2 (about 3 minutes, once)"
  cargo install --locked cargo-machete --version 0.9.2
fi

# 7. npm packages for the end-to-end tests.
if [ -f end2end/package.json ] && [ ! -d end2end/node_modules ]; then
  say "installing the end-to-end test packages (npm ci)"
  (cd end2end && npm ci --no-fund --no-audit)
fi

say "ready"
