#!/usr/bin/env bash
# Runs what the project serves today: the embedded local Cognito Hosted UI (cognito-local),
# a development server with its state in memory, on http://localhost:9229.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release -p server --bin cognito-local -- "$@"
