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
#   LOAD_INSTRUCTIONS=1 scripts/load-api.sh   # also: instructions per request of both, counted
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

# Installs a Debian package (the package lists are refreshed only when the first try fails).
apt_install() {
  if ! apt-get install -y "$1" >/dev/null 2>&1; then
    apt-get update >/dev/null && apt-get install -y "$1" >/dev/null
  fi
}

if ! command -v wrk >/dev/null 2>&1; then
  apt_install wrk
fi

set +e
# LOAD_SESSION=1 also runs the server-session comparison (cognito-local/tests/
# server_session_load.rs): the same /api/me with a session cookie next to a bearer token,
# in one run. Both are warmed up first (LOAD_WARMUP requests each, unreported: a process's
# first run is slower whatever it sends), then each of LOAD_ROUNDS rounds (default 3) runs
# the bearer token, the memory-store session and the bearer token again (the control), in
# an order that changes round by round. It prints their medians, the session's ratio to
# the round's two bearer runs and the control's ratio to the bearer run (the same requests
# twice: what the machine alone moves a ratio by), each as a geometric mean over the rounds
# with its standard error; then one run on each other store (one Redis node, a 3-master
# Redis Cluster, cookies). It also prints what the layer and the extractor cost per request
# without the network. LOAD_PIN=1 runs that comparison with the server on CPU 0 and wrk on
# the other CPUs (taskset; 2 CPUs or more).
tests=(--test verifier_load)
if [ "${LOAD_SESSION:-0}" = 1 ]; then
  tests+=(--test server_session_load)
  # The Redis and Redis Cluster runs need redis-server and redis-cli (as scripts/setup.sh
  # installs them); the runs start and stop their own servers on 127.0.0.1.
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt_install redis-server
  fi
fi
output="$(cargo test -p cognito-local --release "${tests[@]}" -- --ignored --nocapture --test-threads 1 2>&1)"
status=$?
set -e
printf '%s\n' "$output" | grep -Ev '^\s*(Compiling|Finished|Running|running [0-9]|test result|$)' || true
if [ "$status" -ne 0 ]; then
  echo "load run FAILED (see above: errors, or more than one JWKS fetch)"
  exit "$status"
fi

# LOAD_INSTRUCTIONS=1: the instructions /api/me costs per request in process, with a bearer
# token and with a memory-store session, counted by valgrind's callgrind. Requests per
# second move by 10-30% between runs on a busy machine; this count moves by about 1%, so
# it shows what a change to either path costs. Two rounds minus one (20,000 requests), so
# that what happens once (the first verification, the JWKS fetch) is left out; the lower of
# two such counts, as the runtime's scheduling now and then adds to one.
if [ "${LOAD_INSTRUCTIONS:-0}" = 1 ]; then
  if ! command -v valgrind >/dev/null 2>&1; then
    apt_install valgrind
  fi
  # The test's own executable (cargo also names the emulator's binary, in no set order).
  binary="$(cargo test -p cognito-local --release --test server_session_load --no-run \
    --message-format=json 2>/dev/null | grep '"name":"server_session_load"' |
    grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)"
  if [ -z "$binary" ]; then
    echo "instruction count FAILED: the load test did not build" >&2
    exit 1
  fi
  count() { # mode rounds -> instructions in the requests' tasks
    (cd cognito-local && LOAD_IN_PROCESS="$1" LOAD_IN_PROCESS_ROUNDS="$2" valgrind \
      --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
      '--toggle-collect=server_session_load::in_process::*' "$binary" --ignored --exact \
      in_process_cost_of_api_me_with_a_server_session 2>&1 |
      sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  }
  per_request() { # mode -> instructions per request
    local one two each best=
    for _ in 1 2; do
      one="$(count "$1" 1)"
      two="$(count "$1" 2)"
      if [ -z "$one" ] || [ -z "$two" ] || [ "$two" -le "$one" ]; then
        echo "instruction count FAILED for $1 (valgrind counted nothing: '$one', '$two')" >&2
        return 1
      fi
      each=$(((two - one) / 20000))
      if [ -z "$best" ] || [ "$each" -lt "$best" ]; then best=$each; fi
    done
    echo "$best"
  }
  bearer="$(per_request bearer)"
  session="$(per_request session)"
  echo "INSTRUCTIONS /api/me per request, in process (callgrind, 20,000 requests): bearer token" \
    "$bearer, server session on the memory store $session" \
    "($(awk "BEGIN { printf \"%.1f\", $session / $bearer * 100 }")% of bearer)"
fi
