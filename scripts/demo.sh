#!/usr/bin/env bash
# Builds the demo site in release mode and serves it on http://localhost:3000, with the
# embedded local Cognito Hosted UI on http://localhost:9229 (unless COGNITO_DOMAIN is set:
# see the README's configuration table).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo leptos serve --release
