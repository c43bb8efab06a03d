#!/usr/bin/env bash
# Copies the alert rules and the Grafana dashboard into the Helm chart, which can only read files
# inside its own folder. deploy/ holds the originals (one source of truth); HelmChartTest fails
# while a copy differs from its original.
#   helm/sync-files.sh          refresh the copies
#   helm/sync-files.sh --check  only report; exit 1 when a copy is missing or differs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
files=(
  "deploy/prometheus/cae-stream.rules.yaml:helm/cae-stream/files/cae-stream.rules.yaml"
  "deploy/grafana/cae-stream.json:helm/cae-stream/files/cae-stream.json"
)
check=false
[[ "${1:-}" == "--check" ]] && check=true
status=0
for pair in "${files[@]}"; do
  src="$root/${pair%%:*}"
  dst="$root/${pair##*:}"
  if [[ ! -f "$src" ]]; then
    echo "missing original: ${pair%%:*}" >&2
    status=1
    continue
  fi
  if cmp -s "$src" "$dst"; then
    echo "up to date: ${pair##*:}"
  elif $check; then
    echo "differs from ${pair%%:*}: ${pair##*:} (run helm/sync-files.sh)" >&2
    status=1
  else
    cp "$src" "$dst"
    echo "copied: ${pair%%:*} -> ${pair##*:}"
  fi
done
exit $status
