#!/usr/bin/env bash
# Starts a throwaway Kubernetes control plane for the e2e suites: etcd and kube-apiserver on random
# free loopback ports, a fresh CA, RBAC, admission webhooks enabled, an admin kubeconfig
# (client certificate in system:masters). No kubelet, scheduler or controller-manager: pods stay
# Pending, but admission happens on create.
#
#   e2e/cluster/start.sh [--dir DIR] [--build] [--foreground] [-- EXTRA_APISERVER_FLAG...]
#
#   --dir DIR      state directory (default: a new mktemp directory); must be empty or absent
#   --build        build missing binaries with e2e/tools/build-tools.sh (default: fail naming them)
#   --foreground   stay in the foreground; stop the cluster on SIGINT/SIGTERM or when standard input
#                  reaches end of file (so a parent that dies takes the cluster with it)
#
# On success prints shell assignments (also written to DIR/cluster.env):
#   ZASTAVA_CLUSTER_DIR, KUBECONFIG, ZASTAVA_CLUSTER_SERVER, ZASTAVA_CLUSTER_CA, ETCD_PID, APISERVER_PID
# then, in --foreground mode, a line `READY` and waits. Stop a background cluster with
# `e2e/cluster/stop.sh DIR`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/../tools"
# shellcheck source-path=SCRIPTDIR source=../tools/paths.sh
. "$tools/paths.sh"

say() { printf 'cluster: %s\n' "$*" >&2; }

dir="" build=0 foreground=0 extra=() made_dir=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2" && shift 2 ;;
    --build) build=1 && shift ;;
    --foreground) foreground=1 && shift ;;
    --) shift && extra=("$@") && break ;;
    *) say "unknown argument '$1'" && exit 2 ;;
  esac
done

need=(etcd kube-apiserver kubectl)
if ! "$tools/build-tools.sh" --check "${need[@]}" 2>/dev/null; then
  if [[ $build == 1 ]]; then
    "$tools/build-tools.sh" "${need[@]}" || {
      say "ERROR: cannot start the cluster: building ${need[*]} failed (see above)"
      exit 1
    }
  else
    "$tools/build-tools.sh" --check "${need[@]}" || true
    say "ERROR: cannot start the cluster: binaries missing; run e2e/tools/build-tools.sh or pass --build"
    exit 1
  fi
fi
command -v openssl >/dev/null || {
  say "ERROR: openssl is needed to make the cluster's CA and certificates"
  exit 1
}

if [[ -z "$dir" ]]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/zastava-cluster.XXXXXX")"
  made_dir=1
else
  mkdir -p "$dir"
  [[ -z "$(ls -A "$dir")" ]] || {
    say "ERROR: state directory $dir is not empty (stop that cluster with e2e/cluster/stop.sh $dir)"
    exit 1
  }
fi
dir="$(cd "$dir" && pwd)"
pki="$dir/pki"
mkdir -p "$pki" "$dir/etcd-data"

# --- ports: random, below Linux's ephemeral range, not answering on 127.0.0.1 ---------------------
taken=" "
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((10000 + RANDOM % 22000))
    [[ "$taken" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken+="$p "
      echo "$p"
      return 0
    fi
  done
  say "ERROR: found no free port on 127.0.0.1"
  return 1
}
etcd_port="$(free_port)"
taken+="$etcd_port "
api_port="$(free_port)"

# --- certificates ----------------------------------------------------------------------------------
ossl() { openssl "$@" 2>>"$dir/openssl.log" || {
  say "ERROR: openssl $1 failed; see $dir/openssl.log"
  exit 1
}; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=zastava-e2e-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
sign() { # NAME SUBJECT EXTENSIONS
  ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" \
    -keyout "$pki/$1.key" -out "$pki/$1.csr"
  printf '%s\n' "$3" >"$pki/$1.ext"
  ossl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/$1.ext" -out "$pki/$1.crt"
}
sign apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign admin "/O=system:masters/CN=zastava-e2e-admin" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key"
ossl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"

server="https://127.0.0.1:$api_port"
b64() { base64 -w0 <"$1"; }
cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: zastava-e2e
    cluster:
      server: $server
      certificate-authority-data: $(b64 "$pki/ca.crt")
users:
  - name: zastava-e2e-admin
    user:
      client-certificate-data: $(b64 "$pki/admin.crt")
      client-key-data: $(b64 "$pki/admin.key")
contexts:
  - name: zastava-e2e
    context:
      cluster: zastava-e2e
      user: zastava-e2e-admin
current-context: zastava-e2e
EOF
chmod 600 "$dir/kubeconfig"

# --- processes -------------------------------------------------------------------------------------
etcd_pid="" api_pid=""
# True while PID runs (an exited child stays a zombie, which `kill -0` still finds, until `wait`).
running() { [[ -r "/proc/$1/stat" && "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
stop_all() { # kube-apiserver first: once etcd is gone it would retry until its own timeouts
  trap - EXIT INT TERM HUP
  local pid
  for pid in $api_pid $etcd_pid; do
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      say "process $pid did not stop in 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  api_pid="" etcd_pid=""
}
fail() {
  say "ERROR: $1"
  local f
  for f in etcd kube-apiserver; do
    [[ -s "$dir/$f.log" ]] && say "last lines of $dir/$f.log:" && tail -n 15 "$dir/$f.log" | sed 's/^/    /' >&2
  done
  stop_all
  [[ $made_dir == 1 && -z "${ZASTAVA_CLUSTER_KEEP_FAILED:-}" ]] && rm -rf "$dir"
  exit 1
}
trap 'fail "interrupted while starting"' INT TERM HUP
trap 'stop_all' EXIT

# etcd reads ETCD_* environment variables as flags; paths.sh exports ETCD_VERSION and ETCD_BIN.
etcd_env=()
for v in $(compgen -e); do [[ "$v" == ETCD_* ]] && etcd_env+=(-u "$v"); done
env "${etcd_env[@]}" "$ETCD_BIN" \
  --name=zastava-e2e \
  --data-dir="$dir/etcd-data" \
  --listen-client-urls="http://127.0.0.1:$etcd_port" \
  --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls=http://localhost:0 \
  --initial-advertise-peer-urls=http://localhost:0 \
  --initial-cluster=zastava-e2e=http://localhost:0 \
  --unsafe-no-fsync \
  --log-level=warn \
  </dev/null >"$dir/etcd.log" 2>&1 &
etcd_pid=$!

etcd_healthy() {
  local reply
  reply="$( (exec 3<>"/dev/tcp/127.0.0.1/$etcd_port" &&
    printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && timeout 2 cat <&3) 2>/dev/null)" || return 1
  [[ "$reply" == *'"health":"true"'* ]]
}
for i in $(seq 1 300); do
  kill -0 "$etcd_pid" 2>/dev/null || fail "etcd exited during start-up"
  etcd_healthy && break
  [[ $i == 300 ]] && fail "etcd not healthy after 30 s"
  sleep 0.1
done

"$KUBE_APISERVER_BIN" \
  --advertise-address=127.0.0.1 \
  --endpoint-reconciler-type=none \
  --bind-address=127.0.0.1 \
  --secure-port="$api_port" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --cert-dir="$dir/apiserver-certs" \
  --tls-cert-file="$pki/apiserver.crt" \
  --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --allow-privileged=true \
  --authorization-mode=RBAC \
  --enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
  --disable-admission-plugins=ServiceAccount \
  --service-account-issuer="$server" \
  --service-account-key-file="$pki/sa.pub" \
  --service-account-signing-key-file="$pki/sa.key" \
  "${extra[@]}" \
  </dev/null >"$dir/kube-apiserver.log" 2>&1 &
api_pid=$!

started=$SECONDS
for i in $(seq 1 600); do
  kill -0 "$api_pid" 2>/dev/null || fail "kube-apiserver exited during start-up"
  if [[ "$("$KUBECTL_BIN" --kubeconfig "$dir/kubeconfig" --request-timeout=2s get --raw /readyz 2>/dev/null)" == ok ]]; then
    break
  fi
  [[ $i == 600 ]] && fail "kube-apiserver not ready (/readyz) after $((SECONDS - started)) s"
  sleep 0.2
done

{
  printf 'ZASTAVA_CLUSTER_DIR=%q\n' "$dir"
  printf 'KUBECONFIG=%q\n' "$dir/kubeconfig"
  printf 'ZASTAVA_CLUSTER_SERVER=%q\n' "$server"
  printf 'ZASTAVA_CLUSTER_CA=%q\n' "$pki/ca.crt"
  printf 'ETCD_PID=%s\n' "$etcd_pid"
  printf 'APISERVER_PID=%s\n' "$api_pid"
} >"$dir/cluster.env"
cat "$dir/cluster.env"
say "ready in $((SECONDS - started)) s: $server (kubeconfig $dir/kubeconfig; stop: e2e/cluster/stop.sh $dir)"

if [[ $foreground == 1 ]]; then
  # Stops both processes; removes the state directory when this script made it.
  finish() {
    stop_all
    [[ $made_dir == 1 ]] && rm -rf "$dir"
    exit 0
  }
  trap finish INT TERM HUP
  echo READY
  # Block until the parent closes our standard input (or dies) or a signal arrives. `read` returns
  # at end of file; a trapped signal interrupts it.
  while IFS= read -r _; do :; done
  finish
fi

# Background mode: leave both running for stop.sh.
trap - EXIT INT TERM HUP
disown "$api_pid" "$etcd_pid" 2>/dev/null || true
