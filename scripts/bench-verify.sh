#!/usr/bin/env bash
# Compares server-side token verification throughput: this kit's CognitoJwtVerifier (Rust,
# release build) against AWS's own Node library aws-jwt-verify, on the same access tokens
# and JWKS, one core each, in one run on this machine. Two workloads: one token verified
# repeatedly, and 1000 users whose tokens are reused across a skewed request stream. The
# Rust side runs twice: full check on every request (like aws-jwt-verify, which has no
# result cache), and with its default verified-token cache. The last line is the floor of
# the full check: the RS256 signature check alone (aws-lc-rs), on the same token. Reported,
# not asserted.
#
#   scripts/bench-verify.sh [seconds per workload, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
bench_dir="bench/aws-jwt-verify"
fixtures="$PWD/$bench_dir/fixtures"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if [ ! -d "$bench_dir/node_modules/aws-jwt-verify" ]; then
  (cd "$bench_dir" && npm install --no-audit --no-fund --silent)
fi

echo "== building the Rust benchmark (release)"
cargo bench -p leptos-cognito-auth --features ssr --bench verify --no-run --quiet

echo "== Rust: exporting tokens + JWKS to $fixtures and measuring"
VERIFY_BENCH_EXPORT="$fixtures" VERIFY_BENCH_SECONDS="$seconds" \
  cargo bench -p leptos-cognito-auth --features ssr --bench verify --quiet

echo "== Node: aws-jwt-verify on the same files"
(cd "$bench_dir" && node bench.mjs "$fixtures" "$seconds")

node -e '
const fs = require("fs");
const dir = process.argv[1];
const r = JSON.parse(fs.readFileSync(dir + "/rust-results.json"));
const n = JSON.parse(fs.readFileSync(dir + "/node-results.json"));
const row = (name, rustKey, nodeKey) => console.log(
  name.padEnd(52) + Math.round(r[rustKey]).toString().padStart(10) + "/s" +
  Math.round(n[nodeKey]).toString().padStart(14) + "/s" + (r[rustKey] / n[nodeKey]).toFixed(2).padStart(9) + "x");
console.log("\n" + "workload (rust = leptos-cognito-auth)".padEnd(52) + "rust".padStart(12) +
  "aws-jwt-verify".padStart(16) + "ratio".padStart(10));
row("one token, repeatedly (full check)", "single_per_sec", "single_per_sec");
row("1000 users, skewed reuse (full check)", "mix_per_sec", "mix_per_sec");
row("one token, repeatedly (verified-token cache)", "single_cached_per_sec", "single_per_sec");
row("1000 users, skewed reuse (verified-token cache)", "mix_cached_per_sec", "mix_per_sec");
console.log("rust, RS256 signature check alone (aws-lc-rs): " + Math.round(r.bare_signature_per_sec) +
  "/s; the full check is " + (100 * r.single_per_sec / r.bare_signature_per_sec).toFixed(0) + "% of that");
' "$fixtures"
