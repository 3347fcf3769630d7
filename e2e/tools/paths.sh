#!/usr/bin/env bash
# Where the e2e harness's tool binaries live. Source it (`. e2e/tools/paths.sh`) to get
# ZASTAVA_TOOLS_DIR, the *_VERSION variables and one *_BIN variable per tool; run it to print them.
# The cache lives outside the repository; override its root with ZASTAVA_TOOLS_DIR.

_zastava_tools_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
while IFS='=' read -r _k _v; do
  case "$_k" in '' | \#*) continue ;; esac
  # An environment variable of the same name wins (e.g. KUBERNETES_VERSION=v1.36.3).
  if [[ -z "${!_k:-}" ]]; then printf -v "$_k" '%s' "$_v"; fi
  export "${_k?}"
done <"$_zastava_tools_here/versions.env"
unset _k _v

export ZASTAVA_TOOLS_DIR="${ZASTAVA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zastava/tools}"

# zastava_tool_dir NAME VERSION -> the cache directory of one tool build
zastava_tool_dir() { printf '%s/%s-%s\n' "$ZASTAVA_TOOLS_DIR" "$1" "$2"; }

export KUBE_APISERVER_BIN="$ZASTAVA_TOOLS_DIR/kube-apiserver-$KUBERNETES_VERSION/kube-apiserver"
export KUBECTL_BIN="$ZASTAVA_TOOLS_DIR/kubectl-$KUBERNETES_VERSION/kubectl"
export ETCD_BIN="$ZASTAVA_TOOLS_DIR/etcd-$ETCD_VERSION/etcd"
export HELM_BIN="$ZASTAVA_TOOLS_DIR/helm-$HELM_VERSION/helm"
export KUBECONFORM_BIN="$ZASTAVA_TOOLS_DIR/kubeconform-$KUBECONFORM_VERSION/kubeconform"
export CRANE_BIN="$ZASTAVA_TOOLS_DIR/crane-$CRANE_VERSION/crane"
export SYFT_BIN="$ZASTAVA_TOOLS_DIR/syft-$SYFT_VERSION/syft"

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  for _v in ZASTAVA_TOOLS_DIR KUBE_APISERVER_BIN KUBECTL_BIN ETCD_BIN HELM_BIN KUBECONFORM_BIN CRANE_BIN SYFT_BIN; do
    printf '%s=%s\n' "$_v" "${!_v}"
  done
fi
