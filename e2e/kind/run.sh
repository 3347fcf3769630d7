#!/usr/bin/env bash
# The whole product on a real cluster, for machines WITH Docker (your CI, a workstation). The machine
# this project is developed on has no Docker engine: this script has not been run there (see README.md).
#
#   e2e/kind/run.sh [--keep] [--reuse] [--skip-build]
#
#   --keep        leave the cluster and the registry running afterwards (default: delete them)
#   --reuse       use an existing cluster of the same name instead of failing
#   --skip-build  do not rebuild the image (zastava:e2e must exist in the local Docker)
#
# Steps: create a kind cluster (kind-config.yaml) and a TLS registry on kind's Docker network
# (kind-registry:5000, published on 127.0.0.1:5001), build the image from the Dockerfile and load it,
# install PostgreSQL (postgres.yaml) and the chart (values.yaml), then run scenarios.sh.
#
# Needs: docker, kind, kubectl, helm, crane, openssl. helm, kubectl and crane may come from
# e2e/tools/build-tools.sh (their cached paths are used when they are not on PATH).
# Environment: KIND_CLUSTER_NAME (default zastava-e2e), KIND_NODE_IMAGE (default: kind's own).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cluster="${KIND_CLUSTER_NAME:-zastava-e2e}"
registry=kind-registry
registry_host_port=5001
image=zastava:e2e
keep=0 reuse=0 build=1

say() { printf '\n== kind-e2e: %s\n' "$*" >&2; }
die() {
  printf 'kind-e2e: ERROR: %s\n' "$*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep) keep=1 ;;
    --reuse) reuse=1 ;;
    --skip-build) build=0 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

# --- tools -------------------------------------------------------------------------------------
# shellcheck source=SCRIPTDIR/../tools/paths.sh
. "$root/e2e/tools/paths.sh"
tool() { # NAME CACHED_BIN -> the command to run
  if command -v "$1" >/dev/null; then
    command -v "$1"
  elif [[ -x "$2" ]]; then
    echo "$2"
  else
    die "'$1' is needed: install it, or build it with e2e/tools/build-tools.sh $1"
  fi
}
command -v docker >/dev/null || die "docker is needed (this path is for machines with a Docker engine)"
docker info >/dev/null 2>&1 || die "'docker info' failed: no reachable Docker engine"
command -v kind >/dev/null || die "kind is needed: go install sigs.k8s.io/kind@latest (or your package manager)"
command -v openssl >/dev/null || die "openssl is needed for the registry's certificate"
KUBECTL="$(tool kubectl "$KUBECTL_BIN")"
HELM="$(tool helm "$HELM_BIN")"
CRANE="$(tool crane "$CRANE_BIN")"
export KUBECTL HELM CRANE

work="$(mktemp -d "${TMPDIR:-/tmp}/zastava-kind.XXXXXX")"
export KUBECONFIG="$work/kubeconfig"

cleanup() {
  local status=$?
  if [[ $status -ne 0 ]]; then
    say "FAILED (exit $status); webhook logs:"
    "$KUBECTL" -n zastava logs deployment/zastava --all-containers --tail=80 2>/dev/null || true
  fi
  if [[ $keep == 0 ]]; then
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
    docker rm -f "$registry" >/dev/null 2>&1 || true
    rm -rf "$work"
  else
    say "kept: cluster $cluster (KUBECONFIG=$work/kubeconfig), registry $registry on 127.0.0.1:$registry_host_port"
  fi
  exit $status
}
trap cleanup EXIT

# --- cluster -----------------------------------------------------------------------------------
if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  [[ $reuse == 1 ]] || die "a kind cluster named $cluster exists; delete it (kind delete cluster --name $cluster) or pass --reuse"
  kind export kubeconfig --name "$cluster" --kubeconfig "$KUBECONFIG"
else
  say "creating kind cluster $cluster"
  kind create cluster --name "$cluster" --config "$here/kind-config.yaml" --kubeconfig "$KUBECONFIG" \
    ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"} --wait 180s
fi

# --- registry: TLS with a CA of our own, reachable as kind-registry:5000 from the nodes and pods ----
say "starting the TLS registry $registry"
"$root/certs/make-certs.sh" --service "$registry" --namespace e2e --dns "$registry" --out "$work/registry-certs"
docker rm -f "$registry" >/dev/null 2>&1 || true
docker run -d --restart=always --name "$registry" --network kind \
  -p "127.0.0.1:$registry_host_port:5000" \
  -v "$work/registry-certs:/certs:ro" \
  -e REGISTRY_HTTP_TLS_CERTIFICATE=/certs/tls.crt -e REGISTRY_HTTP_TLS_KEY=/certs/tls.key \
  registry:2 >/dev/null
export SSL_CERT_FILE="$work/registry-certs/ca.crt" # crane (Go) trusts the registry's CA through it
for _ in $(seq 1 30); do
  curl -sf --cacert "$SSL_CERT_FILE" "https://localhost:$registry_host_port/v2/" >/dev/null && break
  sleep 1
done
curl -sf --cacert "$SSL_CERT_FILE" "https://localhost:$registry_host_port/v2/" >/dev/null ||
  die "the registry did not answer on https://localhost:$registry_host_port/v2/"

# --- image -------------------------------------------------------------------------------------
if [[ $build == 1 ]]; then
  say "building $image from the Dockerfile"
  docker build -t "$image" "$root"
fi
say "loading $image into the cluster"
kind load docker-image "$image" --name "$cluster"

# --- PostgreSQL and the chart --------------------------------------------------------------------
say "installing PostgreSQL"
"$KUBECTL" create namespace zastava-db --dry-run=client -o yaml | "$KUBECTL" apply -f -
"$KUBECTL" create namespace zastava --dry-run=client -o yaml | "$KUBECTL" apply -f -
"$KUBECTL" apply -f "$here/postgres.yaml"
"$KUBECTL" -n zastava-db rollout status deployment/postgres --timeout=180s
"$KUBECTL" -n zastava create configmap registry-ca --from-file=ca.crt="$work/registry-certs/ca.crt" \
  --dry-run=client -o yaml | "$KUBECTL" apply -f -

say "installing the chart"
"$HELM" upgrade --install zastava "$root/charts/zastava" --namespace zastava \
  --values "$here/values.yaml" --wait --timeout 5m
"$KUBECTL" -n zastava rollout status deployment/zastava --timeout=180s

# --- scenarios -----------------------------------------------------------------------------------
say "running the scenarios"
REGISTRY_PUSH="localhost:$registry_host_port" REGISTRY_PULL="$registry:5000" WORK="$work" \
  bash "$here/scenarios.sh"
say "all scenarios passed"
