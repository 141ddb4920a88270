#!/usr/bin/env bash
# Web UI benchmark (not part of the test run): time to render the tags table of a repository with 1,000
# tags in chromium. Needs `npm run build` (dist/ and dist/web) and chromium (scripts/install-test-deps.sh).
# Options via env: BENCH_TAGS (default 1000), BENCH_RUNS (5).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/web/index.html ] || npm run build
exec npx vite-node bench/ui/bench.ts
