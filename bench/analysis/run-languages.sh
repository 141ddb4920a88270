#!/usr/bin/env bash
# Language-heavy analysis benchmark (not part of the test run): builds, once, an image of a real npm
# install, pip install and Maven dependency set (needs npm, pip3, mvn and the registries), then prints
# Crowsnest's and syft's analysis time and how many of the package managers' own packages each finds.
# Options via env: BENCH_DIR (default $TMPDIR/crowsnest-bench-languages; inputs are reused).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/main.js ] || npm run build
exec npx vite-node bench/analysis/languages.ts
