{{/* vim: set filetype=mustache: */}}

{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "cae-stream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified app name: release-chart, unless the release name already holds the chart name. */}}
{{- define "cae-stream.fullname" -}}
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

{{- define "cae-stream.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that never change for a release: used in selectors. */}}
{{- define "cae-stream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cae-stream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cae-stream.labels" -}}
{{ include "cae-stream.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cae-stream
helm.sh/chart: {{ include "cae-stream.chart" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* metadata.annotations block content (commonAnnotations merged with extra ones passed as .extra). */}}
{{- define "cae-stream.annotations" -}}
{{- $all := merge (deepCopy (.extra | default dict)) (deepCopy (.context.Values.commonAnnotations | default dict)) -}}
{{- if $all -}}
annotations:
  {{- toYaml $all | nindent 2 }}
{{- end -}}
{{- end -}}

{{- define "cae-stream.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cae-stream.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* image reference from a {registry, repository, tag, digest} dict; .default is the tag fallback. */}}
{{- define "cae-stream.imageRef" -}}
{{- $img := .image -}}
{{- $repo := $img.repository -}}
{{- if $img.registry -}}
{{- $repo = printf "%s/%s" $img.registry $img.repository -}}
{{- end -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (toString ($img.tag | default .default)) -}}
{{- end -}}
{{- end -}}

{{/* The application image: the CUDA one when gpu.enabled. */}}
{{- define "cae-stream.image" -}}
{{- $img := .Values.image -}}
{{- if .Values.gpu.enabled -}}
{{- $img = .Values.gpu.image -}}
{{- end -}}
{{- include "cae-stream.imageRef" (dict "image" $img "default" .Chart.AppVersion) -}}
{{- end -}}

{{/* Config key lookups with the application's defaults (DESIGN.md). */}}
{{- define "cae-stream.applicationId" -}}
{{- index .Values.config "application.id" | default "cae-stream" -}}
{{- end -}}
{{- define "cae-stream.inputTopic" -}}
{{- index .Values.config "input.topic" | default "images" -}}
{{- end -}}
{{- define "cae-stream.streamThreads" -}}
{{- index .Values.config "kafka.num.stream.threads" | default 1 | int -}}
{{- end -}}

{{/* Path of the model inside the container when a model volume is used. */}}
{{- define "cae-stream.modelPath" -}}
{{- printf "%s/%s" (trimSuffix "/" .Values.model.volume.mountPath) .Values.model.volume.file -}}
{{- end -}}

{{/* One properties value: whole numbers without exponent, backslashes and newlines escaped. */}}
{{- define "cae-stream.propertyValue" -}}
{{- $v := . -}}
{{- if and (kindIs "float64" $v) (eq $v (floor $v)) -}}
{{- printf "%d" (int64 $v) -}}
{{- else -}}
{{- toString $v | replace "\\" "\\\\" | replace "\n" "\\n" | replace "\r" "\\r" -}}
{{- end -}}
{{- end -}}

{{/* The full cae-stream.properties text: chart-managed keys plus .Values.config, sorted. */}}
{{- define "cae-stream.properties" -}}
{{- $managed := dict
      "http.port" .Values.containerPorts.http
      "http.viewer.enabled" .Values.http.viewer.enabled
      "http.admin.enabled" .Values.http.admin.enabled
      "kafka.bootstrap.servers" .Values.kafka.bootstrapServers
      "kafka.state.dir" .Values.stateDir.mountPath -}}
{{- $all := merge (deepCopy $managed) (deepCopy .Values.config) -}}
# Rendered by the cae-stream Helm chart from .Values.config. Non-secret keys only:
# credentials come from the Secret {{ .Values.kafka.auth.existingSecret | default "(none)" }} as CAE_KAFKA_* env vars.
{{- range $k := keys $all | sortAlpha }}
{{ $k }}={{ include "cae-stream.propertyValue" (index $all $k) }}
{{- end }}
{{- end -}}

{{/* The largest replica count this release can reach. */}}
{{- define "cae-stream.maxReplicas" -}}
{{- if .Values.autoscaling.keda.enabled -}}
{{- .Values.autoscaling.keda.maxReplicaCount | int -}}
{{- else if .Values.autoscaling.hpa.enabled -}}
{{- .Values.autoscaling.hpa.maxReplicas | int -}}
{{- else -}}
{{- .Values.replicaCount | int -}}
{{- end -}}
{{- end -}}

{{/*
Checks what the JSON schema cannot express. Each failure names the value to change.
*/}}
{{- define "cae-stream.validateValues" -}}
{{- $v := .Values -}}
{{- $cfg := $v.config -}}
{{/* One source for each chart-managed key. */}}
{{- $managedKeys := dict "http.port" "containerPorts.http" "http.viewer.enabled" "http.viewer.enabled" "http.admin.enabled" "http.admin.enabled" "model.repository" "model.repository.type" "model.routes" "model.repository.routes" "model.repository.poll.ms" "model.repository.pollMs" "http.auth.user" "http.auth.existingSecret" "kafka.bootstrap.servers" "kafka.bootstrapServers" "kafka.state.dir" "stateDir.mountPath" -}}
{{- range $k, $use := $managedKeys -}}
{{- if hasKey $cfg $k -}}
{{- fail (printf "config.%s is set by the chart: set %s instead" $k $use) -}}
{{- end -}}
{{- end -}}
{{- if hasKey $cfg "model.provider" -}}
{{- fail "config.model.provider is set by the chart: set gpu.enabled=true and gpu.provider (cuda, tensorrt) instead" -}}
{{- end -}}
{{- if and (ne $v.model.volume.type "none") (hasKey $cfg "model.path") -}}
{{- fail (printf "config.model.path conflicts with model.volume.type=%s, which sets the model path to model.volume.mountPath/model.volume.file" $v.model.volume.type) -}}
{{- end -}}
{{/* No credentials in the ConfigMap. */}}
{{- range $k, $val := $cfg -}}
{{- if regexMatch "(?i)(jaas|password|secret|credential|user\\.info|(^|\\.)key$)" $k -}}
{{- fail (printf "config.%s looks like a credential and would land in a ConfigMap: put it in the Secret kafka.auth.existingSecret and map it with kafka.auth.secretKeys" $k) -}}
{{- end -}}
{{- if regexMatch "(?i)loginmodule" (toString $val) -}}
{{- fail (printf "config.%s holds a JAAS LoginModule and would land in a ConfigMap: put it in the Secret kafka.auth.existingSecret and map it with kafka.auth.secretKeys" $k) -}}
{{- end -}}
{{- end -}}
{{- if and $v.kafka.auth.existingSecret (not $v.kafka.auth.secretKeys) -}}
{{- fail "kafka.auth.existingSecret is set but kafka.auth.secretKeys is empty: map at least one Kafka property to a key of the Secret" -}}
{{- end -}}
{{/* Model volume and repository. */}}
{{- if and (ne $v.model.repository.type "none") (ne $v.model.volume.type "none") -}}
{{- fail "model.repository and model.volume are exclusive: a repository holds every model, model.path only one" -}}
{{- end -}}
{{- if and (eq $v.model.repository.type "pvc") (not $v.model.repository.pvc.claimName) -}}
{{- fail "model.repository.type=pvc needs model.repository.pvc.claimName" -}}
{{- end -}}
{{- if and (eq $v.model.repository.type "configMap") (not $v.model.repository.configMap.name) -}}
{{- fail "model.repository.type=configMap needs model.repository.configMap.name" -}}
{{- end -}}
{{- if and (eq $v.model.volume.type "pvc") (not $v.model.volume.pvc.claimName) -}}
{{- fail "model.volume.type=pvc needs model.volume.pvc.claimName" -}}
{{- end -}}
{{- if and (eq $v.model.volume.type "initContainer") (not $v.model.volume.initContainer.files) (not $v.model.volume.initContainer.command) -}}
{{- fail "model.volume.type=initContainer needs model.volume.initContainer.files (URLs to download) or model.volume.initContainer.command" -}}
{{- end -}}
{{/* Autoscaling. */}}
{{- if and $v.autoscaling.hpa.enabled $v.autoscaling.keda.enabled -}}
{{- fail "autoscaling.hpa.enabled and autoscaling.keda.enabled are exclusive (KEDA manages its own HPA): enable one" -}}
{{- end -}}
{{- if and $v.autoscaling.hpa.enabled (gt (int $v.autoscaling.hpa.minReplicas) (int $v.autoscaling.hpa.maxReplicas)) -}}
{{- fail "autoscaling.hpa.minReplicas must not exceed autoscaling.hpa.maxReplicas" -}}
{{- end -}}
{{- if and $v.autoscaling.hpa.enabled (not $v.autoscaling.hpa.targetCPUUtilizationPercentage) (not $v.autoscaling.hpa.targetMemoryUtilizationPercentage) -}}
{{- fail "autoscaling.hpa needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" -}}
{{- end -}}
{{- if and $v.autoscaling.keda.enabled (gt (int $v.autoscaling.keda.minReplicaCount) (int $v.autoscaling.keda.maxReplicaCount)) -}}
{{- fail "autoscaling.keda.minReplicaCount must not exceed autoscaling.keda.maxReplicaCount" -}}
{{- end -}}
{{/* Kubernetes must not kill the pod before the application's clean shutdown is over. */}}
{{- $shutdownMs := index $cfg "shutdown.timeout.ms" | default 30000 | int64 -}}
{{- if lt (mul (int64 $v.terminationGracePeriodSeconds) 1000) (add $shutdownMs 5000) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d s) must exceed config.shutdown.timeout.ms (%d ms; application default 30000) by at least 5 s, or Kubernetes kills the pod before Kafka Streams has closed" (int64 $v.terminationGracePeriodSeconds) $shutdownMs) -}}
{{- end -}}
{{- $threads := include "cae-stream.streamThreads" . | int -}}
{{- $max := include "cae-stream.maxReplicas" . | int -}}
{{- $partitions := int $v.autoscaling.partitions -}}
{{- if gt (mul $max $threads) $partitions -}}
{{- $source := "replicaCount" -}}
{{- if $v.autoscaling.keda.enabled -}}{{- $source = "autoscaling.keda.maxReplicaCount" -}}
{{- else if $v.autoscaling.hpa.enabled -}}{{- $source = "autoscaling.hpa.maxReplicas" -}}
{{- end -}}
{{- fail (printf "%s (%d) x kafka.num.stream.threads (%d) = %d exceeds autoscaling.partitions (%d): each stream thread needs a partition of %s, extra ones idle. Lower %s or the threads, or set autoscaling.partitions to the topic's partition count" $source $max $threads (mul $max $threads) $partitions (include "cae-stream.inputTopic" .) $source) -}}
{{- end -}}
{{- end -}}

{{/* Container env: provider, model path, Kafka credentials from the Secret, JVM flags, extraEnv. */}}
{{- define "cae-stream.env" -}}
{{- if .Values.gpu.enabled }}
- name: CAE_MODEL_PROVIDER
  value: {{ .Values.gpu.provider | quote }}
{{- end }}
{{- if ne .Values.model.repository.type "none" }}
- name: CAE_MODEL_REPOSITORY
  value: {{ .Values.model.repository.mountPath | quote }}
- name: CAE_MODEL_REPOSITORY_POLL_MS
  value: {{ .Values.model.repository.pollMs | quote }}
{{- with .Values.model.repository.routes }}
- name: CAE_MODEL_ROUTES
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if ne .Values.model.volume.type "none" }}
- name: CAE_MODEL_PATH
  value: {{ include "cae-stream.modelPath" . | quote }}
{{- end }}
{{- if .Values.kafka.auth.existingSecret }}
{{- range $property := keys .Values.kafka.auth.secretKeys | sortAlpha }}
# kafka.{{ $property }} from the Secret, never from the ConfigMap
- name: {{ printf "CAE_KAFKA_%s" ($property | upper | replace "." "_") }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.kafka.auth.existingSecret }}
      key: {{ index $.Values.kafka.auth.secretKeys $property }}
{{- end }}
{{- end }}
{{- with .Values.http.auth.existingSecret }}
# basic auth of the viewer and admin paths, from the Secret
- name: CAE_HTTP_AUTH_USER
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.http.auth.userKey }}
- name: CAE_HTTP_AUTH_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.http.auth.passwordKey }}
{{- end }}
{{- with .Values.jvmOptions }}
- name: JDK_JAVA_OPTIONS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{- toYaml . | nindent 0 }}
{{- end }}
{{- end -}}
