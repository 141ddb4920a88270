#!/usr/bin/env bash
# Scale-out benchmark (not part of the test run): analysis throughput with 1 and 2 `crowsnest worker`
# processes, and push throughput through 1 and 2 `serve --no-workers` processes, all on one throwaway
# PostgreSQL + MinIO (scripts/install-test-deps.sh). Options: BENCH_IMAGES (24), BENCH_LAYER_MIB (8).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/main.js ] || npm run build
exec npx vite-node bench/scale/bench.ts
