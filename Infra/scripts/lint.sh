#!/usr/bin/env bash
# Lints the deployment files: the Dockerfile (dockerfilelint, pinned in Infra/lint), the YAML manifests
# (yamllint from apt, settings in Infra/.yamllint.yaml), and the Kubernetes objects as kustomize renders them
# (`kubectl kustomize Infra/k8s`), each validated offline against its schema, the KEDA ScaledJob and
# TriggerAuthentication included (Infra/lint/validate-manifests.mjs: kubernetes-models, @kubernetes-models/keda). A linter that is not installed is reported and skipped,
# so the test suite still runs on machines without them; set SCOREBATCH_LINT_REQUIRED=1 to make that an error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
status=0
missing() {
  echo "lint: $1 is not installed; skipped" >&2
  [[ "${SCOREBATCH_LINT_REQUIRED:-0}" == 1 ]] && status=1
  return 0
}

lint_modules="$root/Infra/lint/node_modules"
if [[ ( ! -x "$lint_modules/.bin/dockerfilelint" || ! -d "$lint_modules/@kubernetes-models/keda" ) && -f "$root/Infra/lint/package-lock.json" ]] \
    && command -v npm >/dev/null; then
  (cd "$root/Infra/lint" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) || true
fi
if [[ -x "$root/Infra/lint/node_modules/.bin/dockerfilelint" ]]; then
  "$root/Infra/lint/node_modules/.bin/dockerfilelint" --config "$root/Infra/lint" "$root/Dockerfile" || status=1
else
  missing dockerfilelint
fi

if command -v yamllint >/dev/null; then
  (cd "$root/Infra" && yamllint --strict -c .yamllint.yaml k8s vmss .yamllint.yaml) || status=1
  (cd "$root/Infra/vmss" && python3 -m json.tool scorebatch-vmss.json >/dev/null) || { echo "lint: Infra/vmss/scorebatch-vmss.json is not valid JSON" >&2; status=1; }
else
  missing yamllint
fi
if ! command -v kubectl >/dev/null; then
  missing kubectl
elif [[ ! -d "$lint_modules/kubernetes-models" || ! -d "$lint_modules/@kubernetes-models/keda" ]] || ! command -v node >/dev/null; then
  missing "kubernetes-models (npm ci in Infra/lint)"
else
  rendered="$(kubectl kustomize "$root/Infra/k8s")" || { echo "lint: kubectl kustomize Infra/k8s failed" >&2; status=1; rendered=""; }
  if [[ -n "$rendered" ]]; then
    node "$root/Infra/lint/validate-manifests.mjs" <<<"$rendered" >/dev/null || status=1
  fi
fi
exit "$status"
