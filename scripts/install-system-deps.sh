#!/usr/bin/env bash
# Debian packages the tests and benchmarks use. Idempotent: installs only what is missing.
set -euo pipefail
need=()
for pkg in zstd skopeo umoci docker-registry debootstrap aide; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The packaged registry starts a system service on :5000 on install; tests run their own on loopback.
if command -v systemctl >/dev/null 2>&1; then systemctl stop docker-registry >/dev/null 2>&1 || true; fi
