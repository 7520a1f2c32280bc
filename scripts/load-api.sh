#!/usr/bin/env bash
# Load run of an /api/me route protected by the kit's axum extractor (cognito-local/tests/verifier_load.rs):
# the local Cognito emulator on 127.0.0.1 issues alice's access token and serves the JWKS,
# wrk sends a bounded number of requests (LOAD_REQUESTS, default 50000) over LOAD_CONNECTIONS
# (default 32) connections. Prints requests/s, p99 latency, errors (must be 0) and JWKS
# fetches (must be 1; the test fails otherwise). Release build. LOAD_VERIFIED_CACHE=0 turns
# the verifier's verified-token cache off (every request pays for the RSA check).
#
#   scripts/load-api.sh
#   LOAD_VERIFIED_CACHE=0 scripts/load-api.sh
#   LOAD_SESSION=1 scripts/load-api.sh        # also: /api/me with a server session on each store
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if ! command -v wrk >/dev/null 2>&1; then
  if ! apt-get install -y wrk >/dev/null 2>&1; then
    apt-get update >/dev/null && apt-get install -y wrk >/dev/null
  fi
fi

set +e
# LOAD_SESSION=1 also runs the server-session comparison (cognito-local/tests/
# server_session_load.rs): the same /api/me with a session cookie next to a bearer token,
# in one run. Both are warmed up first (LOAD_WARMUP requests each, unreported: a process's
# first run is slower whatever it sends), then the bearer token and the memory-store
# session alternate for LOAD_ROUNDS rounds (default 3) and their medians are printed; then
# one run on each other store (one Redis node, a 3-master Redis Cluster, cookies). It also
# prints what the layer and the extractor cost per request without the network.
tests=(--test verifier_load)
if [ "${LOAD_SESSION:-0}" = 1 ]; then
  tests+=(--test server_session_load)
fi
output="$(cargo test -p cognito-local --release "${tests[@]}" -- --ignored --nocapture --test-threads 1 2>&1)"
status=$?
set -e
printf '%s\n' "$output" | grep -Ev '^\s*(Compiling|Finished|Running|running [0-9]|test result|$)' || true
if [ "$status" -ne 0 ]; then
  echo "load run FAILED (see above: errors, or more than one JWKS fetch)"
fi
exit "$status"
