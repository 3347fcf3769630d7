{{/*
TLS material of the `generate` mode, computed ONCE per render and shared by the Secret and the webhook
configuration (memoised on the root context: both templates must agree on the CA).

On upgrade the existing Secret is looked up and reused as it is, unless
  - a key is missing, or the expiry annotation is missing or within tls.generate.renewBeforeDays, or
  - the Service DNS names changed (the annotation holds a digest of them);
then a new CA and certificate are made, and the old CA stays in the webhook's caBundle beside the new
one: pods still serving the old certificate (until the kubelet refreshes the mounted Secret and
`stella serve` reloads it) are trusted throughout. `helm template` cannot look up, so it always generates.
*/}}
{{- define "zastava.tls.generated" -}}
{{- if not (hasKey . "zastavaGeneratedTls") }}
{{- $cfg := .Values.tls.generate }}
{{- $dnsNames := include "zastava.serviceDnsNames" . | fromJsonArray }}
{{- $namesDigest := $dnsNames | join "," | sha256sum | trunc 16 }}
{{- $renewBy := add (now).Unix (mul (int $cfg.renewBeforeDays) 86400) }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "zastava.tlsSecretName" .) | default dict }}
{{- $data := get $existing "data" | default dict }}
{{- $annotations := get (get $existing "metadata" | default dict) "annotations" | default dict }}
{{- $reuse := and (hasKey $data "tls.crt") (hasKey $data "tls.key") (hasKey $data "ca.crt") }}
{{- $notAfter := get $annotations "zastava.stellaops.io/not-after" }}
{{- if and $reuse (ne (get $annotations "zastava.stellaops.io/dns-names-digest") $namesDigest) }}
{{- $reuse = false }}
{{- end }}
{{- if and $reuse (not (regexMatch "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$" $notAfter)) }}
{{- $reuse = false }}
{{- end }}
{{- if and $reuse (lt (toDate "2006-01-02T15:04:05Z07:00" $notAfter).Unix $renewBy) }}
{{- $reuse = false }}
{{- end }}
{{- $tls := dict }}
{{- if $reuse }}
{{- $previous := get $data "ca-previous.crt" }}
{{- $_ := set $tls "data" (dict "tls.crt" (get $data "tls.crt") "tls.key" (get $data "tls.key") "ca.crt" (get $data "ca.crt")) }}
{{- if $previous }}{{ $_ := set $tls.data "ca-previous.crt" $previous }}{{ end }}
{{- $_ := set $tls "notAfter" $notAfter }}
{{- else }}
{{- $ca := genCA (printf "%s-ca" (include "zastava.fullname" .)) (int $cfg.caValidityDays) }}
{{- $cert := genSignedCert (first $dnsNames) nil $dnsNames (int $cfg.certValidityDays) $ca }}
{{- $_ := set $tls "data" (dict "tls.crt" ($cert.Cert | b64enc) "tls.key" ($cert.Key | b64enc) "ca.crt" ($ca.Cert | b64enc)) }}
{{- if hasKey $data "ca.crt" }}{{ $_ := set $tls.data "ca-previous.crt" (get $data "ca.crt") }}{{ end }}
{{- $certDays := min (int $cfg.certValidityDays) (int $cfg.caValidityDays) }}
{{- $_ := set $tls "notAfter" (dateInZone "2006-01-02T15:04:05Z" (dateModify (printf "+%dh" (mul $certDays 24)) now) "UTC") }}
{{- end }}
{{- $bundle := b64dec (get $tls.data "ca.crt") }}
{{- with get $tls.data "ca-previous.crt" }}{{ $bundle = printf "%s%s" $bundle (b64dec .) }}{{ end }}
{{- $_ := set $tls "caBundle" ($bundle | b64enc) }}
{{- $_ := set $tls "namesDigest" $namesDigest }}
{{- $_ := set . "zastavaGeneratedTls" $tls }}
{{- end }}
{{- toJson (get . "zastavaGeneratedTls") }}
{{- end }}

{{/* The caBundle of the webhook configuration (base64 PEM), or nothing when cert-manager injects it. */}}
{{- define "zastava.caBundle" -}}
{{- if eq .Values.tls.mode "generate" }}
{{- (include "zastava.tls.generated" . | fromJson).caBundle }}
{{- else if eq .Values.tls.mode "secret" }}
{{- required "tls.mode=secret needs tls.caBundle: the base64 of the PEM CA bundle (base64 -w0 ca.crt)" .Values.tls.caBundle }}
{{- end }}
{{- end }}
