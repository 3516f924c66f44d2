#!/usr/bin/env bash
# Lints the deployment files: the Dockerfile (dockerfilelint, pinned in Infra/lint) and the YAML manifests
# (yamllint from apt, settings in Infra/.yamllint.yaml). A linter that is not installed is reported and skipped,
# so the test suite still runs on machines without them; set SCOREBATCH_LINT_REQUIRED=1 to make that an error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
status=0
missing() {
  echo "lint: $1 is not installed; skipped" >&2
  [[ "${SCOREBATCH_LINT_REQUIRED:-0}" == 1 ]] && status=1
  return 0
}

if [[ ! -x "$root/Infra/lint/node_modules/.bin/dockerfilelint" && -f "$root/Infra/lint/package-lock.json" ]] && command -v npm >/dev/null; then
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
exit "$status"
