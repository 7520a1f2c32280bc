#!/usr/bin/env bash
# Runs every test and check: formatting, no unused dependency, clippy for the server (ssr)
# and browser (hydrate, wasm32) builds, the unit, property, integration and documentation
# tests, the browser adapters' tests in headless Chromium, the browser bundle's size
# budgets, the end-to-end tests, and a short fuzz run of every fuzz target (scripts/fuzz.sh
# runs them longer).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# A test run builds some forty test binaries and three front ends from scratch: without
# incremental caches and with line tables only (backtraces keep file:line) the target
# directory stays a fraction of the size a default debug build takes, on a CI disk as well.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
# The native build: the kit's server side, as the demo server uses it (the front-end crate
# compiles empty natively; see frontend/Cargo.toml).
FEATURES="leptos-cognito-auth/ssr,leptos-cognito-auth/redis,app/ssr"

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check
# The quick-start examples are crates of their own (each as a fresh app would be).
for example in examples/*/; do
  cargo fmt --manifest-path "${example}Cargo.toml" -- --check
done

step "no declared dependency is unused (cargo machete, and every workspace dependency is used by a member)"
scripts/check-unused-deps.sh

step "clippy: native (ssr)"
cargo clippy --workspace --all-targets --features "$FEATURES" -- -D warnings

step "clippy: wasm32 (hydrate)"
cargo clippy -p leptos-cognito-auth --lib --tests --target wasm32-unknown-unknown --features hydrate -- -D warnings
# The browser build for server sessions only (no client-side protocol).
cargo clippy -p leptos-cognito-auth --lib --test browser_server_session --target wasm32-unknown-unknown --features hydrate-server-session -- -D warnings
cargo clippy -p app -p frontend --lib --target wasm32-unknown-unknown --features app/hydrate -- -D warnings

step "the browser feature matches the mode: <ServerSessionProvider> with only \`hydrate\` is a compile error naming the feature"
scripts/check-feature-mismatch.sh

step "unit, integration and property tests; benchmarks run once as tests (native)"
cargo test --workspace --all-targets --features "$FEATURES"

step "documentation examples"
cargo test --workspace --doc --features "$FEATURES"

step "documentation builds with no broken links (cargo doc, native and wasm32)"
RUSTDOCFLAGS="-D warnings" cargo doc -p leptos-cognito-auth -p cognito-local --no-deps --features leptos-cognito-auth/ssr,leptos-cognito-auth/redis
RUSTDOCFLAGS="-D warnings" cargo doc -p leptos-cognito-auth --no-deps --target wasm32-unknown-unknown --features hydrate

step "the public surface is the committed listing (scripts/public-api.sh --bless after an intended change)"
scripts/public-api.sh

step "browser bundle budgets: the kit adds at most 15 KiB gzip to the smallest app in server-session mode, 90 KiB in client mode"
scripts/size-report.sh --budget

step "browser adapter tests (wasm-bindgen-test in headless Chromium)"
scripts/test-wasm.sh

step "end-to-end tests (Playwright in headless Chromium)"
scripts/test-e2e.sh

step "fuzzing: every target for ${FUZZ_SECONDS:-10} s (0 crashes required)"
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"

step "all tests passed"
