#!/usr/bin/env bash
# Runs every ScoreBatch test: set-up (idempotent), a local Azurite for the integration tests, then the suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/Infra/scripts/setup.sh"
dotnet build "$root/ScoreBatch.sln" -c Release -v quiet -nologo -clp:ErrorsOnly
dotnet test "$root/ScoreBatch.sln" -c Release --no-build --nologo "$@"
