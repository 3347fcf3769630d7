{{/* Names, labels and the values derived from several others. */}}

{{- define "zastava.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The resource-name prefix: RELEASE-zastava, or RELEASE when it already contains the chart name. */}}
{{- define "zastava.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "zastava.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "zastava.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zastava.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "zastava.labels" -}}
helm.sh/chart: {{ include "zastava.chart" . }}
{{ include "zastava.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: zastava
{{- end }}

{{/* The webhook pods' selector: the instance plus the component, so migration pods never match. */}}
{{- define "zastava.webhookSelectorLabels" -}}
{{ include "zastava.selectorLabels" . }}
app.kubernetes.io/component: webhook
{{- end }}

{{- define "zastava.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "zastava.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "zastava.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "zastava.tlsSecretName" -}}
{{- if and (eq .Values.tls.mode "secret") (not .Values.tls.secretName) }}
{{- fail "tls.mode=secret needs tls.secretName: the Secret (type kubernetes.io/tls) holding tls.crt and tls.key" }}
{{- end }}
{{- default (printf "%s-tls" (include "zastava.fullname" .)) .Values.tls.secretName }}
{{- end }}

{{/* The Secret and key of the webhook's DATABASE_URL. */}}
{{- define "zastava.databaseSecretName" -}}
{{- default (printf "%s-database" (include "zastava.fullname" .)) .Values.database.existingSecret }}
{{- end }}

{{- define "zastava.databaseSecretKey" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecretKey }}
{{- else }}
{{- "url" }}
{{- end }}
{{- end }}

{{/* Whether the chart stores database.url in its own Secret. */}}
{{- define "zastava.createDatabaseSecret" -}}
{{- if and .Values.database.url (not .Values.database.existingSecret) }}true{{ end }}
{{- end }}

{{/*
The Secret the migration reads: migrations.existingSecret; else, in job mode with a chart-made database
Secret, a hook copy of it (hooks run before the release's own resources exist); else the webhook's.
*/}}
{{- define "zastava.migrationSecretName" -}}
{{- if .Values.migrations.existingSecret }}
{{- .Values.migrations.existingSecret }}
{{- else if and (eq .Values.migrations.mode "job") (include "zastava.createDatabaseSecret" .) }}
{{- printf "%s-migrate-database" (include "zastava.fullname" .) }}
{{- else }}
{{- include "zastava.databaseSecretName" . }}
{{- end }}
{{- end }}

{{- define "zastava.migrationSecretKey" -}}
{{- if .Values.migrations.existingSecret }}
{{- .Values.database.existingSecretKey }}
{{- else }}
{{- include "zastava.databaseSecretKey" . }}
{{- end }}
{{- end }}

{{/* The DNS names the serving certificate must carry: what the API server dials. */}}
{{- define "zastava.serviceDnsNames" -}}
{{- $svc := include "zastava.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain) | toJson }}
{{- end }}

{{/* The store's environment, shared by the webhook and the migration (the names src/config reads). */}}
{{- define "zastava.storeEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .secretKey }}
{{- with .root.Values.database.schema }}
- name: ZASTAVA_DATABASE_SCHEMA
  value: {{ . | quote }}
{{- end }}
- name: ZASTAVA_TENANT
  value: {{ .root.Values.tenant | quote }}
- name: ZASTAVA_CAS
  value: postgres
# The root filesystem is read-only: anything stella would keep on disk goes to the /tmp emptyDir.
- name: ZASTAVA_DATA_DIR
  value: /tmp/zastava
- name: HOME
  value: /tmp
{{- end }}

{{/* The pod-spec fields the webhook and migration pods share. */}}
{{- define "zastava.podPlacement" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}
