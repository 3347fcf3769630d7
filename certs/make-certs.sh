#!/usr/bin/env bash
# Makes a private CA and a serving certificate for the Zastava webhook with openssl, for local use and
# for the chart's `tls.mode=secret` (and manifests/zastava-own-ca.yaml).
#
#   certs/make-certs.sh [--service NAME] [--namespace NS] [--cluster-domain D] [--out DIR]
#                       [--days N] [--ca-days N] [--ip ADDR]... [--dns NAME]... [--force]
#
# The certificate's names (SANs) are what the API server and local clients dial:
#   NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.D    the Service (defaults: zastava, zastava, cluster.local)
#   localhost, 127.0.0.1, ::1                    `stella serve` on this machine (tests, port-forwards)
#   plus every --dns and --ip given.
# Writes DIR/ca.crt, DIR/ca.key, DIR/tls.crt, DIR/tls.key (keys mode 0600) and DIR/ca-bundle.b64 (the
# base64 caBundle of a webhook configuration). An existing CA in DIR is reused, so re-running renews
# the serving certificate without changing what clients trust; --force makes a new CA too.
set -euo pipefail

service=zastava
namespace=zastava
cluster_domain=cluster.local
out="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/out"
days=365
ca_days=3650
extra_dns=()
extra_ips=()
force=0

die() {
  printf 'make-certs: %s\n' "$*" >&2
  exit 1
}
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see the header of $0)"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --service) need_value "$@"; service="$2"; shift 2 ;;
    --namespace) need_value "$@"; namespace="$2"; shift 2 ;;
    --cluster-domain) need_value "$@"; cluster_domain="$2"; shift 2 ;;
    --out) need_value "$@"; out="$2"; shift 2 ;;
    --days) need_value "$@"; days="$2"; shift 2 ;;
    --ca-days) need_value "$@"; ca_days="$2"; shift 2 ;;
    --dns) need_value "$@"; extra_dns+=("$2"); shift 2 ;;
    --ip) need_value "$@"; extra_ips+=("$2"); shift 2 ;;
    --force) force=1; shift ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

label='^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'
[[ "$service" =~ $label ]] || die "--service '$service' is not a DNS label (lower-case letters, digits, '-')"
[[ "$namespace" =~ $label ]] || die "--namespace '$namespace' is not a DNS label"
[[ "$days" =~ ^[1-9][0-9]*$ ]] || die "--days '$days' is not a positive number"
[[ "$ca_days" =~ ^[1-9][0-9]*$ ]] || die "--ca-days '$ca_days' is not a positive number"
((days <= ca_days)) || die "--days ($days) must not exceed --ca-days ($ca_days): a certificate outliving its CA stops verifying"
command -v openssl >/dev/null || die "openssl is not installed"

mkdir -p "$out"
umask 077
work="$(mktemp -d "$out/.make-certs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The CA: reused unless --force or absent, so clients (the webhook's caBundle) keep trusting renewals.
if [[ $force == 1 || ! -s "$out/ca.crt" || ! -s "$out/ca.key" ]]; then
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$work/ca.key" -out "$work/ca.crt" -days "$ca_days" -sha256 \
    -subj "/CN=${service}-ca" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$work/openssl.log" ||
    die "openssl could not make the CA: $(cat "$work/openssl.log")"
  mv "$work/ca.key" "$out/ca.key"
  mv "$work/ca.crt" "$out/ca.crt"
  printf 'make-certs: new CA %s\n' "$out/ca.crt" >&2
else
  printf 'make-certs: reusing the CA %s\n' "$out/ca.crt" >&2
fi

fqdn="${service}.${namespace}.svc.${cluster_domain}"
sans="DNS:${service},DNS:${service}.${namespace},DNS:${service}.${namespace}.svc,DNS:${fqdn},DNS:localhost,IP:127.0.0.1,IP:::1"
for d in "${extra_dns[@]}"; do sans+=",DNS:${d}"; done
for i in "${extra_ips[@]}"; do sans+=",IP:${i}"; done

# openssl x509 -req does not copy extensions from the request: they go in an extension file.
cat >"$work/ext.cnf" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=${sans}
EOF
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$work/tls.key" -out "$work/tls.csr" -subj "/CN=${service}.${namespace}.svc" 2>"$work/openssl.log" ||
  die "openssl could not make the certificate request: $(cat "$work/openssl.log")"
openssl x509 -req -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -CAserial "$work/ca.srl" -out "$work/tls.crt" -days "$days" -sha256 -extfile "$work/ext.cnf" 2>"$work/openssl.log" ||
  die "openssl could not sign the certificate: $(cat "$work/openssl.log")"
openssl verify -CAfile "$out/ca.crt" "$work/tls.crt" >/dev/null 2>"$work/openssl.log" ||
  die "the new certificate does not verify against $out/ca.crt: $(cat "$work/openssl.log")"

# Renames last: a failed run leaves the previous certificate in place.
mv "$work/tls.key" "$out/tls.key"
mv "$work/tls.crt" "$out/tls.crt"
base64 <"$out/ca.crt" | tr -d '\n' >"$out/ca-bundle.b64"
chmod 0644 "$out/ca.crt" "$out/tls.crt" "$out/ca-bundle.b64"

printf 'make-certs: wrote %s/{tls.crt,tls.key} (valid %s days) for %s\n' "$out" "$days" "$sans" >&2
printf 'make-certs: caBundle in %s/ca-bundle.b64\n' "$out" >&2
