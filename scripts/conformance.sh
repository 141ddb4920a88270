#!/usr/bin/env bash
# Runs the OCI distribution-spec conformance suite (built by scripts/install-test-deps.sh) against a fresh
# `crowsnest serve` on loopback with all four workflows enabled; prints the pass/fail counts and exits
# non-zero on any failure. `--target distribution` runs it against docker-registry instead (to check the
# script itself). Needs `npm run build` output for crowsnest.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=crowsnest
if [ "${1:-}" = "--target" ]; then TARGET="${2:?--target crowsnest|distribution}"; fi

TOOLS_DIR="${CROWSNEST_TOOLS_DIR:-$HOME/.cache/crowsnest-tools}"
SUITE="$TOOLS_DIR/bin/conformance"
[ -x "$SUITE" ] || { echo "conformance: $SUITE missing (run scripts/install-test-deps.sh)" >&2; exit 1; }

WORK="$(mktemp -d -t crowsnest-conformance-XXXXXX)"
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Auth is on: the suite pushes as the first-start site admin (OCI_USERNAME/OCI_PASSWORD).
ADMIN_PASSWORD="conformance-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
if [ "$TARGET" = distribution ]; then
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$WORK/data" "$PORT" > "$WORK/config.yml"
  docker-registry serve "$WORK/config.yml" > "$WORK/server.log" 2>&1 &
  PID=$!
  HEALTH=/v2/
else
  [ -f dist/main.js ] || { echo "conformance: dist/ missing (run npm run build)" >&2; exit 1; }
  CROWSNEST_ADMIN_PASSWORD="$ADMIN_PASSWORD" node bin/crowsnest.js serve --listen "127.0.0.1:$PORT" --data "$WORK/data" > "$WORK/server.log" 2>&1 &
  PID=$!
  HEALTH=/healthz
fi
for i in $(seq 200); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT$HEALTH" 2>/dev/null; then break; fi
  if ! kill -0 "$PID" 2>/dev/null || [ "$i" = 200 ]; then
    echo "conformance: $TARGET did not start:" >&2; cat "$WORK/server.log" >&2; exit 1
  fi
  sleep 0.1
done

# Every API and data workflow on (pull, push, content discovery = tags/referrers, content management =
# deletes), plus the optional checks Crowsnest implements: upload cancel and Docker-Content-Digest headers.
# Caller-set OCI_* variables win, e.g. OCI_API_REFERRER=false when checking this script against
# distribution 2.8, which predates the referrers API.
# An empty configuration file: everything comes from the environment.
: > "$WORK/oci-conformance.yaml"
export OCI_CONFIGURATION="$WORK/oci-conformance.yaml"
export OCI_VERSION="${OCI_VERSION:-1.1}"
export OCI_REGISTRY="127.0.0.1:$PORT" OCI_TLS=disabled
if [ "$TARGET" = crowsnest ]; then export OCI_USERNAME=admin OCI_PASSWORD="$ADMIN_PASSWORD"; fi
export OCI_REPO1="${OCI_REPO1:-myorg/myrepo}" OCI_REPO2="${OCI_REPO2:-myorg/other}"
export OCI_RESULTS_DIR="$WORK/results" OCI_LOG="${OCI_LOG:-warn}"
export OCI_API_PULL="${OCI_API_PULL:-true}" OCI_API_PUSH="${OCI_API_PUSH:-true}"
export OCI_API_BLOBS_DELETE="${OCI_API_BLOBS_DELETE:-true}" OCI_API_MANIFESTS_DELETE="${OCI_API_MANIFESTS_DELETE:-true}"
export OCI_API_TAGS_DELETE="${OCI_API_TAGS_DELETE:-true}" OCI_API_TAGS_LIST="${OCI_API_TAGS_LIST:-true}"
export OCI_API_REFERRER="${OCI_API_REFERRER:-true}" OCI_API_BLOBS_MOUNT_ANONYMOUS="${OCI_API_BLOBS_MOUNT_ANONYMOUS:-true}"
export OCI_API_BLOBS_UPLOAD_CANCEL="${OCI_API_BLOBS_UPLOAD_CANCEL:-true}"
export OCI_API_BLOBS_DIGEST_HEADER="${OCI_API_BLOBS_DIGEST_HEADER:-true}"
export OCI_API_MANIFESTS_DIGEST_HEADER="${OCI_API_MANIFESTS_DIGEST_HEADER:-true}"
set +e
(cd "$WORK" && "$SUITE" > "$WORK/suite.log" 2>&1)
rc=$?
set -e

junit="$WORK/results/junit.xml"
if [ -f "$junit" ]; then
  # Counts from the JUnit report the suite writes (sum over all <testsuite> elements).
  read -r total failures errors skipped < <(node -e '
    const x = require("fs").readFileSync(process.argv[1], "utf8");
    const sum = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const m of x.matchAll(/<testsuite\b[^>]*>/g)) {
      for (const k of Object.keys(sum)) {
        const v = m[0].match(new RegExp(` ${k}="(\\d+)"`));
        if (v) sum[k] += Number(v[1]);
      }
    }
    console.log(sum.tests, sum.failures, sum.errors, sum.skipped);' "$junit")
  passed=$((total - failures - errors - skipped))
  failed=$((failures + errors))
else
  total=0; passed=0; failed=1; skipped=0
fi
if [ "$rc" != 0 ] || [ "$failed" != 0 ]; then
  cat "$WORK/suite.log" >&2
  if [ -n "${CONFORMANCE_KEEP:-}" ]; then cp -r "$WORK/results" "$CONFORMANCE_KEEP"; echo "report kept in $CONFORMANCE_KEEP" >&2; fi
fi
echo "conformance ($TARGET): $passed passed, $failed failed, $skipped skipped"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
