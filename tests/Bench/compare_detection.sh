#!/usr/bin/env bash
# The detection and likelihood half of the mixer-vs-U-Net comparison (README, "Two architectures"). First train
# both for the same wall-clock budget and save them:
#   dotnet run -c Release --project tests/Bench -- compare --size 32 --seconds 900 --save DIR
# then: tests/Bench/compare_detection.sh DIR [PAIRS]
# For DIR/mixer.ckpt and DIR/ncsnpp.ckpt: calibrate on 300 clean noisy synthetic galaxies (S/N 10-1000), score
# PAIRS (default 300) other galaxies, each clean and with a ring or a companion, print `scorebatch evaluate` (ROC AUC
# per kind beside the no-model baselines), and the bits/dim of 32 held-out clean galaxies (`scorebatch likelihood`),
# with the wall time of each step. Printed, never asserted.
set -euo pipefail
dir=${1:?usage: compare_detection.sh DIR [PAIRS]}
pairs=${2:-300}
here=$(cd "$(dirname "$0")" && pwd)
sb=${SCOREBATCH:-$here/../../Worker/bin/Release/net10.0/scorebatch}
py=/usr/bin/python3.11
data=$dir/data
[[ -f $data/ref/galaxies.npy ]] || "$sb" synth --out "$data/ref" --count 300 --size 32 --seed 50 --snr 10:1000 --stack >/dev/null 2>&1
[[ -f $data/eval/labels.csv ]] || "$sb" synth --out "$data/eval" --count "$pairs" --size 32 --seed 77 --snr 10:1000 --pairs --artifacts ring,companion --stack >/dev/null 2>&1
[[ -f $data/lik/galaxies.npy ]] || "$sb" synth --out "$data/lik" --count 32 --size 32 --seed 91 --snr 10:1000 --stack >/dev/null 2>&1
timed() { local start=$SECONDS; "$@" >/dev/null 2>&1; echo "  ($(( SECONDS - start )) s: $2)"; }
for name in mixer ncsnpp; do
  model=$dir/$name.ckpt
  out=$dir/$name
  echo "== $name: $("$sb" info "$model" | grep -m1 -i "architecture" || true)"
  timed "$sb" calibrate --model "$model" --input "$data/ref" --out "$out/calibration.json" --batch 64
  timed "$sb" score --model "$model" --calibration "$out/calibration.json" --input "$data/eval" --out "$out/score" --previews 0 --overwrite
  "$sb" evaluate --summary "$out/score/summary.csv" --labels "$data/eval/labels.csv"
  timed "$sb" likelihood --model "$model" --input "$data/lik" --out "$out/likelihood" --probes 2 --overwrite
  "$py" - "$out/likelihood/likelihood.csv" <<'PY'
import csv, sys, statistics
rows = list(csv.DictReader(open(sys.argv[1])))
bpd = [float(r["bits_per_dim"]) for r in rows]
print(f"  bits/dim over {len(bpd)} held-out galaxies: mean {statistics.mean(bpd):.3f}, median {statistics.median(bpd):.3f}")
PY
done
