#!/usr/bin/env bash
# Runs every ScoreBatch test: set-up (idempotent), linters for the deployment files, one local Azurite shared by
# the integration tests (stopped at the end, also on failure), then the suite. Extra arguments go to dotnet test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/Infra/scripts/setup.sh"
"$root/Infra/scripts/lint.sh"
dotnet build "$root/ScoreBatch.sln" -c Release -v quiet -nologo -clp:ErrorsOnly

if [[ "${SCOREBATCH_AZURITE:-}" != "running" ]]; then
  state="$root/.azurite/test"
  read -r blob_port queue_port < <(python3 -c 'import socket
ps=[socket.socket() for _ in range(2)]
[p.bind(("127.0.0.1",0)) for p in ps]
print(*[p.getsockname()[1] for p in ps])')
  trap '"$root/Infra/scripts/azurite.sh" stop --state "$state" >/dev/null' EXIT
  "$root/Infra/scripts/azurite.sh" start --blob-port "$blob_port" --queue-port "$queue_port" --state "$state"
  key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # Azurite's published dev key
  export SCOREBATCH_AZURITE=running
  export SCOREBATCH_AZURITE_CONNECTION="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;"
fi
log="$(mktemp)"
set +e
dotnet test "$root/ScoreBatch.sln" -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over all test assemblies: "N passed, N failed, N skipped".
awk '/(Passed|Failed)! +- +Failed:/ { gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
