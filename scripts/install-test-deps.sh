#!/usr/bin/env bash
# Installs the external tools the test suite drives (real registry clients, browsers, databases).
# Idempotent: skips what is already present. Runs as root, or through sudo when available.
set -euo pipefail
echo "install-test-deps: nothing to install yet"
