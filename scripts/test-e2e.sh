#!/usr/bin/env bash
# The end-to-end tests: builds the demo, starts on 127.0.0.1 only
#   - cognito-local (the local Hosted UI) with end2end/cognito-local.e2e.toml and /_test,
#   - demo instance A (code flow, :3000), B (implicit flow, :3002), C (against the
#     third-party OAuth server, :3003), D (68 s tokens, for the refresh tests, :3004),
#     E (cookie session mode, COGNITO_STORAGE=cookie, :3005), F (68 s tokens and a 2 s
#     HTTP timeout, for the fault tests, :3006), G (68 s tokens with refresh-token
#     rotation and automatic refresh, for the many-tabs tests, :3007), H (server sessions,
#     COGNITO_STORAGE=server, :3008), I (tokens in Cognito's updated issuer format from a
#     second cognito-local on :9230, :3009), J, K and L (server sessions in one Redis, for
#     the many-servers test, :3010-3012),
#   - a 3-master Redis Cluster (:6391-6393, its data under target/e2e-logs/redis),
#   - the third-party OAuth server (npm oidc-provider at Cognito's paths, :9300),
# waits until each answers, runs Playwright (headless system Chromium) in end2end/, always
# stops what it started, and exits with Playwright's status.
#
#   scripts/test-e2e.sh                 # everything
#   scripts/test-e2e.sh -g 'group gate' # extra arguments go to `npx playwright test`
#   E2E_SKIP_BUILD=1 scripts/test-e2e.sh  # reuse target/debug/{server,cognito-local}, target/site
#   E2E_COGNITO_LOCAL_BIN=/path/to/cognito-local scripts/test-e2e.sh  # another emulator build
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf '\033[1;34m[e2e]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[e2e] %s\033[0m\n' "$*" >&2; exit 1; }

LOG_DIR="$ROOT/target/e2e-logs"
mkdir -p "$LOG_DIR"
STARTUP_TIMEOUT_SECS=${E2E_STARTUP_TIMEOUT_SECS:-60}

command -v chromium >/dev/null 2>&1 || die "chromium is not on PATH: run scripts/setup.sh"
command -v curl >/dev/null 2>&1 || die "curl is not on PATH"

# --- processes we start, stopped on every exit ------------------------------------------
# Redis runs as a 3-master cluster of daemons (the many-servers test stops and starts them
# again with the same configuration files), so they are stopped by their ports rather than
# by pids of ours.
REDIS_PORTS=(6391 6392 6393)
REDIS_DIR="$LOG_DIR/redis"
stop_redis() {
  local port
  for port in "${REDIS_PORTS[@]}"; do
    if [[ -f $REDIS_DIR/$port/redis.conf ]]; then
      redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    fi
  done
}
PIDS=()
NAMES=()
cleanup() {
  local status=$?
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[$i]}
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[$i]}
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "${NAMES[$i]} (pid $pid) ignored SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  stop_redis
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME LOGFILE COMMAND... : runs COMMAND in the background, remembering its pid.
start() {
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 &
  PIDS+=("$!")
  NAMES+=("$name")
}

# wait_for NAME URL: until URL answers (any HTTP status below 500), the process is still
# alive, or STARTUP_TIMEOUT_SECS pass.
wait_for() {
  local name=$1 url=$2 log=$3 pid=${PIDS[-1]}
  local deadline=$((SECONDS + STARTUP_TIMEOUT_SECS))
  local code
  while true; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    if [[ $code =~ ^[1-4][0-9][0-9]$ ]]; then
      say "$name is up ($url)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$log" >&2 || true
      die "$name did not start: the process exited (log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$log" >&2 || true
      die "$name did not start: $url did not answer within ${STARTUP_TIMEOUT_SECS}s (log: $log)"
    fi
    sleep 0.25
  done
}

# A port that already answers belongs to someone else (a `make demo` left running...).
for port in 9229 9230 9300 9301 3000 3002 3003 3004 3005 3006 3007 3008 3009 3010 3011 3012 3013 3014 3020 3021; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    die "port $port on 127.0.0.1 is already in use; stop what runs there and try again"
  fi
done
for port in "${REDIS_PORTS[@]}"; do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then
    die "port $port on 127.0.0.1 already answers Redis; stop what runs there and try again"
  fi
done
command -v redis-server >/dev/null 2>&1 || die "redis-server is not on PATH: run scripts/setup.sh"

# --- build ---------------------------------------------------------------------------------
if [[ ${E2E_SKIP_BUILD:-0} != 1 ]]; then
  command -v cargo-leptos >/dev/null 2>&1 || die "cargo-leptos is not installed: run scripts/setup.sh"
  say "building the local Hosted UI (cargo build -p cognito-local)"
  cargo build -p cognito-local
  say "building the demo (cargo leptos build)"
  cargo leptos build
  # The README's quick-start apps, each a crate of its own (the start-axum shape), built in
  # the shared target directory. The browser-storage one has its origin compiled in.
  for example in browser-storage:3020 server-sessions:3021; do
    name=${example%%:*}
    say "building examples/$name (cargo leptos build)"
    (cd "examples/$name" && APP_ORIGIN="http://localhost:${example##*:}" CARGO_TARGET_DIR="$ROOT/target" cargo leptos build)
  done
fi
COGNITO_LOCAL_BIN=${E2E_COGNITO_LOCAL_BIN:-target/debug/cognito-local}
for f in "$COGNITO_LOCAL_BIN" target/debug/server target/site/pkg target/debug/example-browser-storage \
  target/debug/example-server-sessions examples/browser-storage/target/site/pkg examples/server-sessions/target/site/pkg; do
  [[ -e $f ]] || die "$f is missing: build first (run without E2E_SKIP_BUILD)"
done
if [[ ! -d end2end/node_modules ]]; then
  say "installing the end-to-end packages (npm ci)"
  (cd end2end && npm ci --no-fund --no-audit)
fi

# --- start ---------------------------------------------------------------------------------
start "cognito-local" "$LOG_DIR/cognito-local.log" \
  "$COGNITO_LOCAL_BIN" --config end2end/cognito-local.e2e.toml --enable-test-control --addr 127.0.0.1:9229
wait_for "cognito-local" "http://127.0.0.1:9229/" "$LOG_DIR/cognito-local.log"

# A second cognito-local issuing tokens in Cognito's updated issuer format
# (https://issuer-cognito-idp.<region>.amazonaws.com/<pool>), its keys served locally.
start "cognito-local (updated issuer format)" "$LOG_DIR/cognito-local-updated.log" \
  "$COGNITO_LOCAL_BIN" --config end2end/cognito-local.e2e.toml --issuer-format updated --addr 127.0.0.1:9230
wait_for "cognito-local (updated issuer format)" "http://127.0.0.1:9230/" "$LOG_DIR/cognito-local-updated.log"

# Redis for J, K and L: a 3-master Redis Cluster (the shape ElastiCache and Valkey clusters
# have), loopback only, fresh data directories, kept on disk (append-only file) so that the
# sessions are there again when the test stops and starts the nodes.
rm -rf "$REDIS_DIR"
for port in "${REDIS_PORTS[@]}"; do
  mkdir -p "$REDIS_DIR/$port"
  cat >"$REDIS_DIR/$port/redis.conf" <<EOF
bind 127.0.0.1
port $port
dir $REDIS_DIR/$port
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 2000
cluster-require-full-coverage no
appendonly yes
save ""
daemonize yes
pidfile $REDIS_DIR/$port/redis.pid
logfile $REDIS_DIR/$port/redis.log
EOF
  redis-server "$REDIS_DIR/$port/redis.conf"
done
for port in "${REDIS_PORTS[@]}"; do
  for _ in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$port" ping >/dev/null 2>&1 || die "redis-server did not start on $port (log: $REDIS_DIR/$port/redis.log)"
done
nodes=()
for port in "${REDIS_PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
  >"$REDIS_DIR/create.log" 2>&1 || die "redis-cli --cluster create failed (log: $REDIS_DIR/create.log)"
for port in "${REDIS_PORTS[@]}"; do
  for _ in $(seq 1 100); do
    redis-cli -p "$port" cluster info 2>/dev/null | grep -q cluster_state:ok && break
    sleep 0.1
  done
done
REDIS_CLUSTER_URL="redis-cluster://$(IFS=,; echo "${nodes[*]}")"
say "Redis Cluster is up ($REDIS_CLUSTER_URL)"
export E2E_REDIS_PORTS="$(IFS=,; echo "${REDIS_PORTS[*]}")" E2E_REDIS_DIR=$REDIS_DIR

start "third-party OAuth server" "$LOG_DIR/third-party.log" \
  node end2end/third-party/server.mjs --port 9300
wait_for "third-party OAuth server" "http://127.0.0.1:9300/healthz" "$LOG_DIR/third-party.log"
# The same server issuing tokens that live 20 s, less than the kit's 60 s clock-skew
# allowance (for demo instance M: the refresh-storm test).
start "third-party OAuth server (20 s tokens)" "$LOG_DIR/third-party-short.log" \
  env THIRD_PARTY_APP_ORIGIN=http://localhost:3013 THIRD_PARTY_TOKEN_TTL_SECS=20 \
  node end2end/third-party/server.mjs --port 9301
wait_for "third-party OAuth server (20 s tokens)" "http://127.0.0.1:9301/healthz" "$LOG_DIR/third-party-short.log"

# demo NAME PORT [VAR=value...]: one demo server, its Cognito settings from the environment.
demo() {
  local name=$1 port=$2
  shift 2
  start "demo instance $name" "$LOG_DIR/demo-$name.log" \
    env -u COGNITO_LOCAL_CONFIG -u COGNITO_LOCAL_TEST_CONTROL -u COGNITO_LOCAL_ADDR \
    LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_OUTPUT_NAME=demo \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_ENV=DEV RUST_LOG="${RUST_LOG:-info}" \
    COGNITO_DOMAIN=http://localhost:9229 \
    COGNITO_USER_POOL_ID=us-east-1_LocalPool \
    COGNITO_ISSUER=http://localhost:9229/us-east-1_LocalPool \
    COGNITO_REDIRECT_SIGN_IN="http://localhost:$port/callback" \
    COGNITO_REDIRECT_SIGN_OUT="http://localhost:$port/" \
    "$@" target/debug/server
  wait_for "demo instance $name" "http://127.0.0.1:$port/" "$LOG_DIR/demo-$name.log"
}

demo A 3000 COGNITO_CLIENT_ID=local-spa-client COGNITO_RESPONSE_TYPE=code
demo B 3002 COGNITO_CLIENT_ID=local-spa-client COGNITO_RESPONSE_TYPE=token
demo C 3003 COGNITO_CLIENT_ID=third-party-spa-client COGNITO_RESPONSE_TYPE=code \
  COGNITO_DOMAIN=http://localhost:9300 COGNITO_USER_POOL_ID=us-east-1_ThirdParty \
  COGNITO_ISSUER=http://localhost:9300/us-east-1_ThirdParty
# M: the third-party server's 20 s tokens, browser storage, automatic refresh on.
demo M 3013 COGNITO_CLIENT_ID=third-party-spa-client COGNITO_RESPONSE_TYPE=code \
  COGNITO_DOMAIN=http://localhost:9301 COGNITO_USER_POOL_ID=us-east-1_ThirdParty \
  COGNITO_ISSUER=http://localhost:9301/us-east-1_ThirdParty
# D and F refresh only when a page finds its session expired (no automatic refresh): their
# tokens are usable for about 8 s, and the tests decide when the refresh happens.
demo D 3004 COGNITO_CLIENT_ID=e2e-short-lived-client COGNITO_RESPONSE_TYPE=code COGNITO_AUTO_REFRESH=false
demo E 3005 COGNITO_CLIENT_ID=local-spa-client COGNITO_RESPONSE_TYPE=code COGNITO_STORAGE=cookie
demo F 3006 COGNITO_CLIENT_ID=e2e-short-lived-client COGNITO_RESPONSE_TYPE=code COGNITO_AUTO_REFRESH=false \
  COGNITO_HTTP_TIMEOUT_MS=2000
demo G 3007 COGNITO_CLIENT_ID=e2e-rotating-client COGNITO_RESPONSE_TYPE=code
# I: the user pool's tokens in Cognito's updated issuer format (no issuer override: the pool
# id stands for both formats), the keys read from the local Hosted UI.
demo I 3009 COGNITO_CLIENT_ID=local-spa-client COGNITO_RESPONSE_TYPE=code \
  COGNITO_DOMAIN=http://localhost:9230 COGNITO_ISSUER= \
  COGNITO_JWKS_URL=http://localhost:9230/us-east-1_LocalPool/.well-known/jwks.json
# H: server sessions (the tokens stay on the server; memory store), a 2 s HTTP timeout.
demo H 3008 COGNITO_CLIENT_ID=e2e-server-client COGNITO_CLIENT_SECRET=e2e-server-secret \
  COGNITO_STORAGE=server COGNITO_HTTP_TIMEOUT_MS=2000
# N: server sessions sealed in the browser's cookies (no store on the server).
demo N 3014 COGNITO_CLIENT_ID=e2e-server-client COGNITO_CLIENT_SECRET=e2e-server-secret \
  COGNITO_STORAGE=server COGNITO_SESSION_STORE=cookie COGNITO_HTTP_TIMEOUT_MS=2000 \
  COGNITO_SESSION_SECRET="$(head -c 32 /dev/urandom | base64)"

# J, K, L: three servers with server sessions in the one Redis Cluster (the many-servers test),
# sharing one session secret made for this run.
SESSION_SECRET=$(head -c 32 /dev/urandom | base64)
for instance in "J 3010" "K 3011" "L 3012"; do
  read -r name port <<<"$instance"
  demo "$name" "$port" COGNITO_CLIENT_ID=e2e-cluster-client COGNITO_CLIENT_SECRET=e2e-cluster-secret \
    COGNITO_STORAGE=server COGNITO_SESSION_STORE="$REDIS_CLUSTER_URL" COGNITO_HTTP_TIMEOUT_MS=2000 \
    COGNITO_SESSION_SECRET="$SESSION_SECRET" COGNITO_USER_POOL_ENDPOINT=http://localhost:9229/
done

# The quick-start examples, as a newcomer runs them, against the same local Hosted UI.
for example in browser-storage:3020 server-sessions:3021; do
  name=${example%%:*}
  port=${example##*:}
  start "examples/$name" "$LOG_DIR/example-$name.log" \
    env LEPTOS_SITE_ROOT="examples/$name/target/site" LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_OUTPUT_NAME="example-$name" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_ENV=DEV \
    APP_ORIGIN="http://localhost:$port" "target/debug/example-$name"
  wait_for "examples/$name" "http://127.0.0.1:$port/" "$LOG_DIR/example-$name.log"
done

# --- test ----------------------------------------------------------------------------------
say "running Playwright (logs of the servers: $LOG_DIR)"
set +e
(cd end2end && npx playwright test "$@")
status=$?
set -e
if ((status != 0)); then
  say "Playwright failed (status $status); server logs are in $LOG_DIR"
fi
exit "$status"
