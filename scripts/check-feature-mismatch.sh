#!/usr/bin/env bash
# The browser build's feature must match the session mode. An app whose browser build
# enables the kit's `hydrate` but not `hydrate-server-session`, and uses
# <ServerSessionProvider>, must fail to compile with a message naming the feature to enable
# (it used to compile and then panic in the browser with "Unrecoverable hydration error").
# The same app with `hydrate-server-session` compiles.
#
# A two-line app is generated under target/ (outside the workspace, with the workspace's
# Cargo.lock) and checked for wasm32 in the shared target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR="$ROOT/target/feature-mismatch"
mkdir -p "$DIR/src"
cat >"$DIR/Cargo.toml" <<TOML
[package]
name = "feature-mismatch"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
leptos = "0.8"
leptos-cognito-auth = { path = "$ROOT/leptos-cognito-auth", default-features = false }

[features]
hydrate-only = ["leptos-cognito-auth/hydrate"]
server-session = ["leptos-cognito-auth/hydrate-server-session"]
TOML
cat >"$DIR/src/lib.rs" <<'RUST'
use leptos::prelude::*;
use leptos_cognito_auth::components::{ServerSessionProvider, SignInButton};

#[component]
pub fn App() -> impl IntoView {
    view! { <ServerSessionProvider><SignInButton/></ServerSessionProvider> }
}
RUST
cp Cargo.lock "$DIR/Cargo.lock"
check() {
  CARGO_TARGET_DIR="$ROOT/target" cargo check --quiet --offline --manifest-path "$DIR/Cargo.toml" \
    --target wasm32-unknown-unknown --features "$1" 2>&1
}

if out=$(check hydrate-only); then
  echo "FAIL: <ServerSessionProvider> compiled in a browser build with only \`hydrate\`" >&2
  exit 1
fi
if ! grep -q "needs the \`hydrate-server-session\` feature of leptos-cognito-auth" <<<"$out"; then
  echo "FAIL: the compile error does not name the feature to enable:" >&2
  echo "$out" >&2
  exit 1
fi
echo "ok: hydrate only: the compile error names hydrate-server-session"
grep -m1 "^error" <<<"$out" || true

if ! out=$(check server-session); then
  echo "FAIL: the same app with hydrate-server-session does not compile:" >&2
  echo "$out" >&2
  exit 1
fi
echo "ok: hydrate-server-session: compiles"
