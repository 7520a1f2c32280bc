#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a fixed time and reports, per target, the
# executions and the crashes. Exits non-zero if any target crashed (or failed to build).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 60 s, every target)
#
# Needs the nightly toolchain (rustup's `nightly`); installs cargo-fuzz if it is missing.
# Seeds are read from fuzz/seeds/<target>/ (kept in git); what the fuzzer learns goes to
# fuzz/corpus/<target>/ and crashing inputs to fuzz/artifacts/<target>/ (both ignored).
# Builds go to fuzz/target (or $FUZZ_TARGET_DIR). Reproduce a crash with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail

seconds="${1:-60}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$root/fuzz/target}"

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: installing the nightly toolchain" >&2
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz (about 1.5 minutes)" >&2
  cargo +nightly install --locked cargo-fuzz
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

# One build for every target (default cargo-fuzz mode: optimised, with debug assertions
# and overflow checks, AddressSanitizer).
cargo +nightly fuzz build >&2

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
failed=0
printf '%-16s %12s %10s %8s %8s\n' target executions exec/s corpus crashes
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target" "seeds/$target"
  before=$(find "artifacts/$target" -type f | wc -l)
  log="$logs/$target.log"
  status=0
  # The first corpus directory receives new inputs; the seeds are only read.
  cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$target/" >"$log" 2>&1 || status=$?
  after=$(find "artifacts/$target" -type f | wc -l)
  crashes=$((after - before))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # failed without leaving an artifact (build error, sanitizer abort, ...)
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "corpus/$target" -type f | wc -l)
  printf '%-16s %12s %10s %8s %8s\n' "$target" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    echo "--- $target failed (exit $status); the end of its log:" >&2
    tail -n 40 "$log" >&2
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: crashes found (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no crashes"
