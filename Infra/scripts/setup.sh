#!/usr/bin/env bash
# One-time, idempotent set-up of a Debian 12 machine for ScoreBatch: native libraries, the reference Python
# stack used by interop tests, the pinned Azurite, and a restore of the .NET solution. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

apt_packages=(
  libcfitsio10          # FITS reading/writing through P/Invoke (incl. tile-compressed .fits.fz)
  python3-numpy         # independent reference for .npy/.npz interop tests
  python3-astropy       # independent reference for FITS interop tests
  python3-torch         # independent reference for forward-pass parity and state-dict export
  libopenblas0-pthread  # makes Debian's torch ~5x faster than the reference BLAS
  fonts-dejavu-core     # text in the PNG previews (ScottPlot/SkiaSharp find no font without one)
  yamllint              # lints the deployment manifests
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ -f "$root/Infra/azurite/package-lock.json" && ! -x "$root/Infra/azurite/node_modules/.bin/azurite" ]]; then
  echo "setup: installing the pinned Azurite (npm ci)..." >&2
  (cd "$root/Infra/azurite" && npm ci --no-audit --no-fund --loglevel=error)
fi

dotnet restore "$root/ScoreBatch.sln" -v quiet >/dev/null
# What the launcher's self-contained ReadyToRun publish needs (the runtime pack and the crossgen2 compiler), so
# later runs download nothing.
dotnet restore "$root/Worker/ScoreBatch.Worker.csproj" -r linux-x64 -p:SelfContained=true -p:PublishReadyToRun=true -v quiet >/dev/null
