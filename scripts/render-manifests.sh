#!/usr/bin/env bash
# Renders manifests/ from the Helm chart, so the chart stays the one source of what is installed:
#
#   manifests/crds.yaml                   the CRDs (charts/zastava/crds/)
#   manifests/zastava-cert-manager.yaml   helm template with manifests/values-cert-manager.yaml
#   manifests/zastava-own-ca.yaml         helm template with manifests/values-own-ca.yaml
#
#   scripts/render-manifests.sh                 write the files
#   scripts/render-manifests.sh --check [DIR]   write nothing; exit 1 naming every file of DIR (default
#                                               manifests/) that differs from a fresh render, with a diff
#
# helm: $HELM_BIN, else the pinned build of e2e/tools (e2e/tools/build-tools.sh helm), else `helm` on PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chart="$root/charts/zastava"
manifests="$root/manifests"

check=0
target="$manifests"
if [[ "${1:-}" == "--check" ]]; then
  check=1
  target="${2:-$manifests}"
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--check [DIR]]" >&2
  exit 2
fi

given_helm="${HELM_BIN:-}"
# shellcheck source=SCRIPTDIR/../e2e/tools/paths.sh
. "$root/e2e/tools/paths.sh" # KUBERNETES_VERSION, and the pinned HELM_BIN
if [[ -n "$given_helm" ]]; then
  HELM_BIN="$given_helm"
elif [[ ! -x "$HELM_BIN" ]]; then
  HELM_BIN="$(command -v helm || true)"
fi
[[ -n "$HELM_BIN" && -x "$HELM_BIN" ]] ||
  {
    echo "render-manifests: no helm: run e2e/tools/build-tools.sh helm, or set HELM_BIN" >&2
    exit 1
  }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

header() { # VALUES_FILE_OR_EMPTY
  echo "# Rendered by scripts/render-manifests.sh from charts/zastava${1:+ with manifests/$1}. Do not edit:"
  echo "# change the chart (or the values file) and re-run the script; a test compares the two."
}

{
  header ""
  echo "# Apply before the webhook manifests, and again on every upgrade (Helm never upgrades CRDs)."
  # The chart's crds/ files, each its own document: every one starts with `---` (src/k8s/crd-yaml.ts).
  for crd in "$chart"/crds/*.yaml; do
    [[ "$(head -n 1 "$crd")" == "---" ]] || {
      echo "render-manifests: $crd does not start with ---; run node scripts/gen-crds.ts" >&2
      exit 1
    }
    cat "$crd"
  done
} >"$out/crds.yaml"

render() { # OUTPUT VALUES_FILE
  {
    header "$2"
    sed -n 's/^#: \{0,1\}/#   /p' "$manifests/$2"
    # --kube-version: the render must not depend on the version compiled into helm.
    "$HELM_BIN" template zastava "$chart" --namespace zastava --kube-version "$KUBERNETES_VERSION" \
      --values "$manifests/$2"
  } >"$out/$1"
}
render zastava-cert-manager.yaml values-cert-manager.yaml
render zastava-own-ca.yaml values-own-ca.yaml

if [[ $check == 0 ]]; then
  for f in "$out"/*.yaml; do
    mv "$f" "$manifests/$(basename "$f")"
    echo "render-manifests: wrote manifests/$(basename "$f")" >&2
  done
  exit 0
fi

stale=0
for f in "$out"/*.yaml; do
  name="$(basename "$f")"
  if ! diff -u "$target/$name" "$f" >"$out/$name.diff" 2>&1; then
    stale=1
    echo "render-manifests: $target/$name differs from a fresh render of charts/zastava; run scripts/render-manifests.sh" >&2
    head -n 40 "$out/$name.diff" >&2
  fi
done
exit "$stale"
