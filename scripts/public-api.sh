#!/usr/bin/env bash
# The public surface of the kit and of cognito-local, checked against committed listings so
# that it changes only on purpose. The listing is every public item rustdoc documents (its
# "all items" page), per build: the kit's server build (ssr, redis), its browser build
# (hydrate, wasm32), and cognito-local. Run after the `cargo doc` builds of scripts/test.sh;
# `scripts/public-api.sh --bless` rewrites the listings after an intended change.
set -euo pipefail
cd "$(dirname "$0")/.."

bless=0
[[ ${1:-} == --bless ]] && bless=1

# listing ALL_HTML: "kind path" per public item, sorted.
listing() {
  python3 - "$1" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
main = html[html.find('<h1>List of all items'):]
items = []
for section in re.finditer(r'<h3 id="([a-z-]+)">.*?</h3><ul class="all-items">(.*?)</ul>', main, re.S):
    kind = section.group(1)
    for name in re.findall(r'<li><a href="[^"]*">(.*?)</a></li>', section.group(2)):
        items.append(f"{kind} {re.sub('<[^>]+>', '', name)}")
print("\n".join(sorted(items)))
PY
}

failed=0
check() {
  local name=$1 html=$2 committed=$3
  [[ -f $html ]] || { echo "public-api: $html is missing: run cargo doc first" >&2; exit 1; }
  local now
  now=$(listing "$html")
  if ((bless)); then
    printf '%s\n' "$now" >"$committed"
    echo "public-api: $name: $(grep -c . "$committed") items written to $committed"
  elif ! diff -u "$committed" <(printf '%s\n' "$now") >/tmp/public-api.diff 2>&1; then
    echo "public-api: $name: the public surface changed (- committed, + now):" >&2
    cat /tmp/public-api.diff >&2
    echo "public-api: if the change is intended, run scripts/public-api.sh --bless and commit" >&2
    failed=1
  else
    echo "public-api: $name: $(grep -c . "$committed") items, as committed"
  fi
}

check "leptos-cognito-auth (ssr, redis)" target/doc/leptos_cognito_auth/all.html leptos-cognito-auth/public-api/ssr.txt
check "leptos-cognito-auth (hydrate, wasm32)" target/wasm32-unknown-unknown/doc/leptos_cognito_auth/all.html leptos-cognito-auth/public-api/hydrate.txt
check "cognito-local" target/doc/cognito_local/all.html cognito-local/public-api.txt
exit "$failed"
