#!/usr/bin/env bash
# Runs every test and check: formatting, clippy for the server (ssr) and browser (hydrate,
# wasm32) builds, the unit, integration and documentation tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "clippy: native, ssr"
cargo clippy --workspace --all-targets --features leptos-cognito-auth/ssr -- -D warnings

step "clippy: wasm32, hydrate"
cargo clippy -p leptos-cognito-auth --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

step "unit, integration and property tests, benchmarks run once as tests (native)"
cargo test --workspace --all-targets --features leptos-cognito-auth/ssr

step "documentation examples"
cargo test --workspace --doc --features leptos-cognito-auth/ssr

step "all tests passed"
