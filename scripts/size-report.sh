#!/usr/bin/env bash
# Builds the demo's front end in release (`cargo leptos build --release`: the
# `wasm-release` profile, wasm-bindgen, `wasm-opt -Oz`, JS minified) and the same demo
# shape without the kit (size-baseline/), then reports the wasm and JS sizes (raw, gzip -9,
# brotli -q 11) and the kit's share: demo minus baseline. It also builds the smallest app
# that signs users in (size-baseline/src/minimal.rs) with and without the kit, and reports
# their difference: what the kit costs any app, apart from what the app shows of the user.
# It also builds the minimal app with the kit in server-session mode (feature
# `hydrate-server-session`). Budgets, gzip (wasm + JS) the kit adds to the minimal app: at
# most 15 KiB in server-session mode, at most 90 KiB in client mode (tokens in browser
# storage, feature `hydrate`); the script exits 1 above either.
#
#   scripts/size-report.sh              build both, report, check the budgets
#   scripts/size-report.sh --budget     only the budgets: the minimal app without the kit,
#                                       with it in server-session mode and in client mode
#                                       (what `make test` runs)
#   SIZE_TOP=25 scripts/size-report.sh  also list the demo wasm's largest items and the
#                                       code each crate adds over the baseline (twiggy, on
#                                       the pre-wasm-opt builds, which still have names)
#
# Everything builds under $SIZE_TARGET_DIR (default /work/target-size, else
# <repo>/target-size); the sites go to $SIZE_TARGET_DIR/site-demo and site-baseline, so the
# repository's own target/site (served by the end-to-end tests) is left alone.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${SIZE_TARGET_DIR:-}" ]; then
  out="$SIZE_TARGET_DIR"
elif [ -d /work ] && [ -w /work ]; then
  out=/work/target-size
else
  out="$root/target-size"
fi
mkdir -p "$out"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
# The builds run on a copy of the sources at a fixed place: where the repository is cloned
# otherwise changes the wasm (beyond the file names that --remap-path-prefix maps, by a few
# tens of bytes between two clones of one commit), and the budgets are checks that must
# give the same answer on every machine.
src=/tmp/leptos-cognito-auth-size-src
rm -rf "$src"
mkdir -p "$src"
tar -C "$root" --exclude=./.git --exclude=./target --exclude=./target-size \
  --exclude=node_modules --exclude='./examples/*/target' -cf - . | tar -C "$src" -xf -
budget_server_bytes=$((15 * 1024))
budget_client_bytes=$((90 * 1024))
budget_only=0
[ "${1:-}" = "--budget" ] && budget_only=1

need() { command -v "$1" >/dev/null 2>&1; }
for tool in cargo-leptos wasm-opt wasm-bindgen gzip; do
  need "$tool" || { echo "size-report: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
if [ "$budget_only" = 0 ] && ! need brotli; then
  echo "size-report: installing brotli" >&2
  if ! { apt-get install -y brotli >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y brotli >/dev/null; }; }; then
    python3 -c 'import brotli' 2>/dev/null || pip3 install --quiet brotli
  fi
fi
brotli_size() {
  if need brotli; then
    brotli -c -q 11 "$1" | wc -c
  else
    python3 -c 'import brotli,sys; print(len(brotli.compress(open(sys.argv[1],"rb").read(), quality=11)))' "$1"
  fi
}

# The baseline must be built the same way: same profile, same leptos and wasm-bindgen.
profile() { sed -n '/^\[profile.wasm-release\]/,/^\[/p' "$1" | grep -v '^\[' | grep -v '^#' | grep -v '^$'; }
if [ "$(profile "$root/Cargo.toml")" != "$(profile "$root/size-baseline/Cargo.toml")" ]; then
  echo "size-report: [profile.wasm-release] differs between Cargo.toml and size-baseline/Cargo.toml" >&2
  exit 1
fi
lock_version() { grep -A1 "^name = \"$2\"\$" "$1" | sed -n 's/^version = "\(.*\)"/\1/p' | sort -u | tr '\n' ' '; }
for crate in leptos leptos_router leptos_meta wasm-bindgen; do
  a="$(lock_version "$root/Cargo.lock" "$crate")"
  b="$(lock_version "$root/size-baseline/Cargo.lock" "$crate")"
  if [ "$a" != "$b" ]; then
    echo "size-report: $crate is $a in Cargo.lock but $b in size-baseline/Cargo.lock" >&2
    echo "  (refresh it: cp Cargo.lock size-baseline/Cargo.lock, then build the baseline once)" >&2
    exit 1
  fi
done

build() { # <dir> <site> <log> [cargo-leptos args...]
  local dir="$1" site="$2" log="$3"
  shift 3
  (
    cd "$dir"
    # Paths are written into the wasm (the file names of panic locations): the
    # repository's, the target directory's (generated sources) and Cargo's home (the
    # dependencies' sources). Each is remapped to a fixed one (the target directory after
    # the repository, as it may lie inside it: the last matching prefix applies), so that
    # the figures are the same wherever the repository is cloned and built; a longer path
    # would otherwise count against the kit.
    CARGO_TARGET_DIR="$out" LEPTOS_SITE_ROOT="$site" \
      RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--remap-path-prefix=$src=/repo --remap-path-prefix=$out=/target --remap-path-prefix=$cargo_home=/cargo" \
      cargo leptos build --release --frontend-only "$@" >"$log" 2>&1
  ) || { echo "size-report: the build in $dir failed; the end of $log:" >&2; tail -n 30 "$log" >&2; exit 1; }
}
echo "size-report: building the minimal app without and with the kit (release) ..." >&2
build "$src/size-baseline" "$out/site-minimal" "$out/minimal-build.log" --lib-features hydrate,minimal
build "$src/size-baseline" "$out/site-minimal-server" "$out/minimal-server-build.log" --lib-features hydrate,kit-server
build "$src/size-baseline" "$out/site-minimal-kit" "$out/minimal-kit-build.log" --lib-features hydrate,kit

declare -A size
measure() { # <key> <file>; brotli only for the full report
  [ -f "$2" ] || { echo "size-report: $2 was not built" >&2; exit 1; }
  size[$1.raw]=$(wc -c <"$2")
  size[$1.gzip]=$(gzip -9 -c "$2" | wc -c)
  if [ "$budget_only" = 0 ]; then
    size[$1.brotli]=$(brotli_size "$2")
  else
    size[$1.brotli]=0
  fi
}
measure_site() { # <key> <site> <output name>: wasm, JS and their total
  measure "$1.wasm" "$2/pkg/$3.wasm"
  measure "$1.js" "$2/pkg/$3.js"
  for c in raw gzip brotli; do
    size[$1.total.$c]=$((size[$1.wasm.$c] + size[$1.js.$c]))
  done
}
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

# The budgets: what the kit adds (gzip, wasm + JS) to the smallest sign-in app, at most
# 15 KiB in server-session mode and at most 90 KiB in client mode (browser storage).
check_budgets() {
  local over=0 mode key budget share
  echo
  for mode in server-session client; do
    if [ "$mode" = server-session ]; then key=minsrv budget=$budget_server_bytes; else key=minkit budget=$budget_client_bytes; fi
    share=$((size[$key.total.gzip] - size[min.total.gzip]))
    if [ "$share" -gt "$budget" ]; then
      echo "size-report: OVER BUDGET: in $mode mode the kit adds $(kb "$share") gzip (wasm + JS) to the minimal app, budget $(kb "$budget")"
      over=1
    else
      echo "size-report: within budget: in $mode mode the kit adds $(kb "$share") gzip (wasm + JS) to the minimal app, budget $(kb "$budget")"
    fi
  done
  [ "$over" = 0 ] || exit 1
}

measure_site min "$out/site-minimal" baseline
measure_site minsrv "$out/site-minimal-server" baseline
measure_site minkit "$out/site-minimal-kit" baseline
if [ "$budget_only" = 1 ]; then
  echo "size-report: minimal app ${size[min.total.gzip]} B, with the kit in server-session mode ${size[minsrv.total.gzip]} B, in client mode ${size[minkit.total.gzip]} B (gzip -9, wasm + JS)"
  check_budgets
  exit 0
fi
# The baseline and the demo last: SIZE_TOP reads their pre-wasm-opt builds.
echo "size-report: building the demo (release) ..." >&2
build "$src" "$out/site-demo" "$out/demo-build.log"
echo "size-report: building the baseline (release) ..." >&2
build "$src/size-baseline" "$out/site-baseline" "$out/baseline-build.log"

measure_site demo "$out/site-demo" demo
measure_site base "$out/site-baseline" baseline

printf '%-22s %14s %14s %14s\n' "" raw gzip brotli
row() { # <label> <key> [<minuend> <subtrahend>]
  printf '%-22s' "$1"
  for c in raw gzip brotli; do
    if [ -n "${3:-}" ]; then
      n=$((size[$3.$2.$c] - size[$4.$2.$c]))
    else
      n=${size[$2.$c]}
    fi
    printf ' %8s %-5s' "$n" "($(kb "$n" | cut -d' ' -f1))"
  done
  printf '\n'
}
row "demo wasm" demo.wasm
row "demo js" demo.js
row "demo total" demo.total
row "baseline wasm" base.wasm
row "baseline js" base.js
row "baseline total" base.total
row "kit share wasm" wasm demo base
row "kit share js" js demo base
row "kit share total" total demo base
echo
row "minimal app total" min.total
row "minimal + kit total" minkit.total
row "kit in minimal wasm" wasm minkit min
row "kit in minimal js" js minkit min
row "kit in minimal total" total minkit min
echo
row "minimal + kit, server sessions" minsrv.total
row "kit server-mode wasm" wasm minsrv min
row "kit server-mode js" js minsrv min
row "kit server-mode total" total minsrv min
echo "(bytes, KiB in brackets)"

if [ -n "${SIZE_TOP:-}" ]; then
  pre="$out/front/wasm32-unknown-unknown/wasm-release/leptos_cognito_auth.wasm"
  pre_base="$out/front/wasm32-unknown-unknown/wasm-release/size_baseline.wasm"
  if need twiggy && [ -f "$pre" ] && [ -f "$pre_base" ]; then
    echo
    echo "largest items of the demo's wasm before wasm-bindgen and wasm-opt (twiggy top):"
    twiggy top -n "$SIZE_TOP" "$pre"
    echo
    echo "code by crate before wasm-opt, demo vs baseline (bytes; function names excluded):"
    twiggy top -f csv "$pre" >"$out/demo-top.csv"
    twiggy top -f csv "$pre_base" >"$out/baseline-top.csv"
    python3 - "$out/demo-top.csv" "$out/baseline-top.csv" "$SIZE_TOP" <<'PY'
import collections, csv, re, sys
def by_crate(path):
    sizes = collections.Counter()
    for row in csv.DictReader(open(path)):
        name = row["Name"]
        if name.startswith('"function names"'):
            continue
        if name.startswith(("custom section", "data segment")):
            key = "<" + name + ">"
        else:
            first = re.search(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::", name)
            key = first.group(1) if first else "<unnamed>"
        sizes[key] += int(row["ShallowSize"])
    return sizes
demo, base = by_crate(sys.argv[1]), by_crate(sys.argv[2])
rows = sorted(set(demo) | set(base), key=lambda k: base[k] - demo[k])
print(f"{'crate':44} {'demo':>9} {'baseline':>9} {'added':>9}")
for k in rows[: int(sys.argv[3])]:
    print(f"{k[:44]:44} {demo[k]:9} {base[k]:9} {demo[k] - base[k]:9}")
PY
  else
    echo "size-report: SIZE_TOP needs twiggy (cargo install twiggy) and both pre-wasm-opt builds" >&2
  fi
fi

check_budgets
