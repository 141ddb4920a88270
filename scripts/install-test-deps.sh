#!/usr/bin/env bash
# Installs the external tools the test suite drives: real registry clients from Debian (skopeo, podman,
# buildah, umoci, containerd's ctr, the CNCF distribution registry, wrk), crane and oras plus the OCI
# conformance suite built from the Go module proxy, and an unpacked (never installed) docker CLI + dockerd.
# Idempotent and fast when everything is present; runs as root, or through sudo when available.
set -euo pipefail

TOOLS_DIR="${CROWSNEST_TOOLS_DIR:-$HOME/.cache/crowsnest-tools}"
BIN="$TOOLS_DIR/bin"
mkdir -p "$BIN"

# Pinned so CI is reproducible; bump deliberately.
CRANE_VERSION="${CRANE_VERSION:-v0.22.1}"
# MinIO publishes no module tags; this pseudo-version is its RELEASE of 2026-02-12 (S3 server for the S3 BlobStore tests).
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
OSV_SCANNER_VERSION="${OSV_SCANNER_VERSION:-v2.2.4}"
ORAS_VERSION="${ORAS_VERSION:-v1.3.6}"
# The conformance suite lives in its own Go module (…/distribution-spec/conformance); the v1.1.x tags are
# on the parent module only, so the Go proxy serves the suite solely as this pseudo-version (it tests
# OCI_VERSION=1.1 behaviour).
CONFORMANCE_VERSION="${CONFORMANCE_VERSION:-v0.0.0-20260831232431-97274622c111}"

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else echo "install-test-deps: need root or sudo" >&2; exit 1; fi
fi

# --- Debian packages -------------------------------------------------------------------------------
APT_PKGS=(skopeo podman buildah umoci containerd docker-registry wrk uidmap fuse-overlayfs runc
  iproute2 ca-certificates curl unzip zip tar gzip postgresql rpm db-util
  pacman-package-manager ruby php-cli maven chromium)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-test-deps: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Go tools from the module proxy (reusing GOPATH / GOMODCACHE caches) -----------------------------
export PATH="$PATH:/usr/local/go/bin"
GO_TOOLCHAIN="${GO_TOOLCHAIN:-go1.24.6}"
go_ok() { # crane, oras and the conformance suite need Go >= 1.24 (Debian bookworm ships 1.19)
  command -v go >/dev/null && [ "$(printf '%s\ngo1.24\n' "$(go env GOVERSION)" | sort -V | head -n1)" = go1.24 ]
}
if ! go_ok; then
  # The official toolchain, fetched as a module from the Go module proxy (what GOTOOLCHAIN=auto does).
  if ! [ -x "$TOOLS_DIR/go/bin/go" ]; then
    echo "install-test-deps: fetching Go $GO_TOOLCHAIN from the Go module proxy"
    work="$(mktemp -d)"
    curl -fsSL -o "$work/go.zip" "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-$GO_TOOLCHAIN.linux-$(dpkg --print-architecture).zip"
    (cd "$work" && unzip -q go.zip)
    rm -rf "$TOOLS_DIR/go" && mkdir -p "$TOOLS_DIR"
    mv "$work/golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-$(dpkg --print-architecture)" "$TOOLS_DIR/go"
    chmod +x "$TOOLS_DIR/go/bin/"* "$TOOLS_DIR/go/pkg/tool/"*/* 2>/dev/null || true
    rm -rf "$work"
  fi
  export PATH="$TOOLS_DIR/go/bin:$PATH"
fi
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
stamp() { cat "$BIN/.$1.version" 2>/dev/null || true; }
go_tool() { # name module version
  if [ -x "$BIN/$1" ] && [ "$(stamp "$1")" = "$3" ]; then return; fi
  echo "install-test-deps: go install $2@$3"
  GOBIN="$BIN" go install "$2@$3"
  echo "$3" > "$BIN/.$1.version"
}
go_tool crane github.com/google/go-containerregistry/cmd/crane "$CRANE_VERSION"
go_tool oras oras.land/oras/cmd/oras "$ORAS_VERSION"
go_tool minio github.com/minio/minio "$MINIO_VERSION"
go_tool osv-scanner github.com/google/osv-scanner/v2/cmd/osv-scanner "$OSV_SCANNER_VERSION"

# The suite is a main package (`go build`; its `go test` entry is a deprecated legacy shim).
go_tool conformance github.com/opencontainers/distribution-spec/conformance "$CONFORMANCE_VERSION"

# --- cargo-auditable from crates.io (the Rust e2e input: dependency data embedded in a real binary) ---
CARGO_AUDITABLE_VERSION="${CARGO_AUDITABLE_VERSION:-0.7.7}"
export PATH="$PATH:$HOME/.cargo/bin"
if command -v cargo >/dev/null && [ "$(stamp cargo-auditable)" != "$CARGO_AUDITABLE_VERSION" ]; then
  echo "install-test-deps: cargo install cargo-auditable@$CARGO_AUDITABLE_VERSION"
  cargo install --locked --quiet --root "$TOOLS_DIR/cargo" "cargo-auditable@$CARGO_AUDITABLE_VERSION"
  ln -sf "$TOOLS_DIR/cargo/bin/cargo-auditable" "$BIN/cargo-auditable"
  echo "$CARGO_AUDITABLE_VERSION" > "$BIN/.cargo-auditable.version"
fi

# --- docker CLI + dockerd, unpacked only (no service, no daemon started) ----------------------------
if ! [ -x "$BIN/dockerd" ] || ! [ -x "$BIN/docker" ]; then
  echo "install-test-deps: apt-get download docker.io"
  work="$(mktemp -d)"
  chmod 0777 "$work" # lets apt's _apt user write the download
  (cd "$work" && { apt-get download docker.io >/dev/null 2>&1 || { $SUDO apt-get update -qq && apt-get download docker.io >/dev/null; }; })
  rm -rf "$TOOLS_DIR/docker"
  dpkg -x "$work"/docker.io_*.deb "$TOOLS_DIR/docker"
  rm -rf "$work"
  for b in docker dockerd docker-proxy docker-init; do
    for d in usr/bin usr/sbin usr/libexec/docker/cli-plugins; do
      if [ -x "$TOOLS_DIR/docker/$d/$b" ]; then ln -sf "$TOOLS_DIR/docker/$d/$b" "$BIN/$b"; fi
    done
  done
fi

# --- SPDX 2.3 JSON schema for src/sbom tests (from the org.spdx:tools-java jar on Maven Central) ------
# Same URL and hashes as src/sbom/_testkit/sbom-testkit.ts, which fetches it itself when this step was skipped.
SPDX_SCHEMA="$TOOLS_DIR/schemas/spdx-schema-v2.3.json"
if ! echo "84ee72e4f0f12cbc119847b65be560726637bc22c6178838033275dbad5b8a22  $SPDX_SCHEMA" | sha256sum -c --status 2>/dev/null; then
  echo "install-test-deps: fetching the SPDX 2.3 JSON schema"
  work="$(mktemp -d)"
  curl -fsSL -o "$work/tools-java.jar" https://repo1.maven.org/maven2/org/spdx/tools-java/2.0.1/tools-java-2.0.1.jar
  echo "732a266e47cafdd39d6bff4d198fd001cf31e9f0d97dce5086afbcc1dd5871de  $work/tools-java.jar" | sha256sum -c --status
  (cd "$work" && unzip -q tools-java.jar resources/spdx-schema-v2.3.json)
  mkdir -p "$TOOLS_DIR/schemas" && mv "$work/resources/spdx-schema-v2.3.json" "$SPDX_SCHEMA"
  rm -rf "$work"
fi

# --- real jars for the Java groupId tests, from Maven Central in Maven's repository layout -------------
JARS_DIR="$TOOLS_DIR/maven"
while IFS=: read -r g a v; do
  case "$g" in ''|'#'*) continue ;; esac
  rel="${g//.//}/$a/$v/$a-$v.jar"
  [ -s "$JARS_DIR/$rel" ] && continue
  echo "install-test-deps: fetching $g:$a:$v"
  mkdir -p "$(dirname "$JARS_DIR/$rel")"
  curl -fsSL --retry 3 -o "$JARS_DIR/$rel.part" "https://repo1.maven.org/maven2/$rel"
  # Maven Central publishes a SHA-1 per artifact: a truncated or altered download is not kept.
  sha1="$(curl -fsSL --retry 3 "https://repo1.maven.org/maven2/$rel.sha1" | cut -c1-40)"
  echo "$sha1  $JARS_DIR/$rel.part" | sha1sum -c --status
  mv "$JARS_DIR/$rel.part" "$JARS_DIR/$rel"
done < "$(dirname "$0")/test-jars.txt"

# --- versions ----------------------------------------------------------------------------------------
echo "install-test-deps: tools in $BIN (tests also look there)"
v() { printf '  %-16s %s\n' "$1" "$( ("${@:2}" 2>&1 || true) | head -n1)"; }
v go go version
v skopeo skopeo --version
v podman podman --version
v buildah buildah --version
v umoci umoci --version
v ctr ctr --version
v docker-registry dpkg-query -W -f='${Version}' docker-registry
v wrk dpkg-query -W -f='${Version}' wrk
v crane "$BIN/crane" version
v oras "$BIN/oras" version
v minio "$BIN/minio" --version
v cargo-auditable env PATH="$BIN:$PATH" cargo auditable --version
v osv-scanner "$BIN/osv-scanner" --version
v conformance cat "$BIN/.conformance.version"
v docker "$BIN/docker" --version
v dockerd "$BIN/dockerd" --version
