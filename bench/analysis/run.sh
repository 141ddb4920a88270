#!/usr/bin/env bash
# Analysis benchmark (not part of the test run): builds a multi-layer OCI layout of about BENCH_SIZE_MIB
# (default 1024) with real package databases from ../shared/fixtures among filler files, then prints
# Crowsnest's analysis time and peak RSS (`crowsnest sbom`), the decompress-only floor, and syft's time on
# the same layout (syft from `go install github.com/anchore/syft/cmd/syft@v1.18.1`, skipped when absent).
# Options via env: BENCH_SIZE_MIB (1024), BENCH_LAYERS (8), BENCH_DIR (reuse a built layout).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/main.js ] || npm run build
exec npx vite-node bench/analysis/bench.ts
