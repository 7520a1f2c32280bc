#!/usr/bin/env bash
# Runs the browser adapter tests (leptos-cognito-auth/tests/browser.rs, and
# tests/browser_server_session.rs for the server-session side) in headless Chromium through
# wasm-bindgen-test-runner and chromedriver. Chromium's options are in leptos-cognito-auth/webdriver.json;
# the runner is set in .cargo/config.toml. The tests contact nothing but 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "[test-wasm] FAIL: $*"; exit 1; }

command -v chromedriver >/dev/null 2>&1 || fail "chromedriver is not on PATH (run scripts/setup.sh)"
command -v wasm-bindgen-test-runner >/dev/null 2>&1 \
  || fail "wasm-bindgen-test-runner is not on PATH (run scripts/setup.sh)"
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)
[ "$want" = "$have" ] \
  || fail "wasm-bindgen-test-runner is ${have:-unknown}, Cargo.lock wants $want (run scripts/setup.sh)"

export CHROMEDRIVER
CHROMEDRIVER=$(command -v chromedriver)
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/leptos-cognito-auth/webdriver.json"
# A loaded two-core machine can be slow to start Chromium and run the suite.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-30}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test -p leptos-cognito-auth --target wasm32-unknown-unknown --features hydrate --test browser "$@" 2>&1 \
  | tee "$log" || status=$?
# The browser side of server sessions, built as an app that only uses server sessions builds
# it (feature `hydrate-server-session` alone).
cargo test -p leptos-cognito-auth --target wasm32-unknown-unknown --features hydrate-server-session \
  --test browser_server_session "$@" 2>&1 | tee -a "$log" || status=$?

# The verdict, then cargo's own summary lines again (one per test file), so the output
# ends with "test result:".
if [ "$status" -eq 0 ]; then
  echo "[test-wasm] PASS: browser adapter tests (headless Chromium)"
else
  echo "[test-wasm] FAIL: browser adapter tests (headless Chromium), exit status $status"
fi
grep -a '^test result:' "$log" || true
exit "$status"
