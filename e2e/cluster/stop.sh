#!/usr/bin/env bash
# Stops a cluster started by e2e/cluster/start.sh: SIGTERM to kube-apiserver then etcd, SIGKILL
# after 10 s, then removes the state directory (unless --keep).
#
#   e2e/cluster/stop.sh [--keep] DIR
set -euo pipefail

say() { printf 'cluster: %s\n' "$*" >&2; }
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1 && shift
dir="${1:-${ZASTAVA_CLUSTER_DIR:-}}"
[[ -n "$dir" ]] || {
  say "usage: stop.sh [--keep] DIR (or set ZASTAVA_CLUSTER_DIR)"
  exit 2
}
[[ -f "$dir/cluster.env" ]] || {
  say "ERROR: $dir/cluster.env not found: not a cluster started by start.sh (or already stopped)"
  exit 1
}
ETCD_PID="" APISERVER_PID=""
# shellcheck disable=SC1091
. "$dir/cluster.env"

# Signals PID only while it is still the process start.sh started (its command line names DIR).
ours() { [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$dir"; }
for pid in $APISERVER_PID $ETCD_PID; do
  ours "$pid" || continue
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    ours "$pid" || break
    sleep 0.1
  done
  if ours "$pid"; then
    say "process $pid did not stop in 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # A stopped process lingers as a zombie until its parent (init, once start.sh has exited) reaps it.
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
done
if [[ $keep == 0 ]]; then rm -rf "$dir"; fi
say "stopped ($dir)"
