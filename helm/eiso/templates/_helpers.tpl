{{/* Names */}}
{{- define "eiso.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "eiso.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "eiso.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "eiso.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: eiso
{{- end -}}

{{- define "eiso.selectorLabels" -}}
app.kubernetes.io/name: {{ include "eiso.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "eiso.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "eiso.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "eiso.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{- define "eiso.secretName" -}}
{{- default (include "eiso.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The secret keys the pods read: required ones always, optional ones when present. */}}
{{- define "eiso.secretKeys" -}}
{{- $keys := list "SECRET_KEY" "DATABASE_URL" "REDIS_URL" "EMAIL_URL" "SIGNING_KEYS_SECRET" -}}
{{- if .Values.secrets.existingSecret -}}
{{- range .Values.secrets.existingSecretOptionalKeys -}}
{{- $keys = append $keys . -}}
{{- end -}}
{{- else -}}
{{- range $key := list "SENTRY_DSN" "METRICS_TOKEN" "INTEGRATION_KEYS_SECRET" "SSO_CLIENT_SECRET" "SSO_SECRET_KEY" -}}
{{- if index $.Values.secrets.values $key -}}
{{- $keys = append $keys $key -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $keys | uniq | toJson -}}
{{- end -}}

{{/* Checks that stop a bad install early, with a message. */}}
{{- define "eiso.validate" -}}
{{- if not .Values.secrets.existingSecret -}}
{{- range $key := list "SECRET_KEY" "DATABASE_URL" "REDIS_URL" "EMAIL_URL" "SIGNING_KEYS_SECRET" -}}
{{- if not (index $.Values.secrets.values $key) -}}
{{- fail (printf "secrets.values.%s is required when secrets.existingSecret is empty" $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and .Values.ingress.enabled .Values.ingress.tls.enabled (not .Values.ingress.tls.existingSecret) (not .Values.ingress.tls.certManager.enabled) -}}
{{- fail "ingress.tls needs existingSecret or certManager.enabled (a wildcard certificate for baseDomain and *.baseDomain)" -}}
{{- end -}}
{{- end -}}

{{- define "eiso.tlsSecretName" -}}
{{- default (printf "%s-wildcard-tls" (include "eiso.fullname" .)) .Values.ingress.tls.existingSecret -}}
{{- end -}}

{{/* Environment shared by every container: plain settings from the ConfigMap, secrets as files. */}}
{{- define "eiso.env" -}}
{{- $root := index . 0 -}}
{{- $configMap := index . 1 -}}
envFrom:
  - configMapRef:
      name: {{ $configMap }}
env:
{{- range $key := include "eiso.secretKeys" $root | fromJsonArray }}
  - name: {{ $key }}_FILE
    value: /run/secrets/eiso/{{ $key }}
{{- end }}
{{- end -}}

{{- define "eiso.secretVolume" -}}
{{- $root := index . 0 -}}
{{- $secretName := index . 1 -}}
- name: secrets
  secret:
    secretName: {{ $secretName }}
    defaultMode: 0440
    items:
{{- range $key := include "eiso.secretKeys" $root | fromJsonArray }}
      - key: {{ $key }}
        path: {{ $key }}
{{- end }}
{{- end -}}

{{- define "eiso.commonVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if .Values.persistence.enabled }}
- name: media
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-media" (include "eiso.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}
{{- end -}}

{{- define "eiso.commonMounts" -}}
- name: tmp
  mountPath: /tmp
- name: secrets
  mountPath: /run/secrets/eiso
  readOnly: true
{{- if .Values.persistence.enabled }}
- name: media
  mountPath: {{ .Values.persistence.mountPath }}
{{- end }}
{{- end -}}

{{- define "eiso.podSpecCommon" -}}
serviceAccountName: {{ include "eiso.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountToken }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "eiso.configData" -}}
DEBUG: "false"
BASE_DOMAIN: {{ .Values.baseDomain | quote }}
MEDIA_ROOT: {{ .Values.persistence.mountPath | quote }}
CELERY_BEAT_SCHEDULE_FILE: "/tmp/celerybeat-schedule"
FLEET_MIGRATE_PARALLEL: {{ .Values.migrations.parallelism | quote }}
{{- range $key, $value := .Values.config }}
{{- if ne (toString $value) "" }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- range $key, $value := .Values.extraEnv }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end -}}

{{- define "eiso.secretData" -}}
{{- range $key, $value := .Values.secrets.values }}
{{- if $value }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end }}
{{- end -}}


{{/* nodeSelector, tolerations and affinity of one component's values (web, worker, beat). */}}
{{- define "eiso.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
