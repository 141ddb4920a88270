#!/usr/bin/env bash
# Registry benchmark (not part of the test run): Crowsnest vs the CNCF distribution registry on loopback.
# Needs `npm run build`, skopeo, docker-registry and wrk (scripts/install-test-deps.sh). Options via env:
# BENCH_SIZE_MIB (default 1024), BENCH_LAYERS (8), BENCH_SECONDS (10), BENCH_CONNECTIONS (64).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/main.js ] || npm run build
exec npx vite-node bench/registry/bench.ts
