#!/usr/bin/env bash
# No declared dependency is unused:
# - `cargo machete` over every crate of the repository (the workspace's members, the
#   quick-start examples, the fuzz targets, the size baseline): each dependency a package
#   declares is named in its code;
# - every entry of the root `[workspace.dependencies]` is inherited (`workspace = true`) by
#   at least one member, which `cargo machete` does not look at (an entry no member takes is
#   in no package's dependencies).
# Exits 1 naming what is unused. A false positive of cargo machete (a crate used only
# through a macro of another) goes in the package's
# `[package.metadata.cargo-machete] ignored = [...]`, with a comment saying why.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-machete >/dev/null 2>&1 \
  || { echo "check-unused-deps: cargo-machete is missing (scripts/setup.sh installs it)" >&2; exit 1; }

status=0
cargo machete --skip-target-dir || status=$?

cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys, tomllib

with open("Cargo.toml", "rb") as f:
    declared = set(tomllib.load(f)["workspace"].get("dependencies", {}))

def tables(manifest):
    kinds = ("dependencies", "dev-dependencies", "build-dependencies")
    for kind in kinds:
        yield manifest.get(kind, {})
    for target in manifest.get("target", {}).values():
        for kind in kinds:
            yield target.get(kind, {})

inherited = set()
for package in json.load(sys.stdin)["packages"]:
    with open(package["manifest_path"], "rb") as f:
        manifest = tomllib.load(f)
    for table in tables(manifest):
        for name, spec in table.items():
            if isinstance(spec, dict) and spec.get("workspace"):
                inherited.add(name)

unused = sorted(declared - inherited)
if unused:
    print("check-unused-deps: [workspace.dependencies] that no member uses: " + ", ".join(unused))
    sys.exit(1)
print("check-unused-deps: every [workspace.dependencies] entry is used by a member")
' || status=1

exit "$status"
