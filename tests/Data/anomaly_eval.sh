#!/usr/bin/env bash
# Reproduces docs/anomaly.md's "What was measured": trains the documented prior, builds the real (HDF left half)
# and synthetic noisy evaluation sets, calibrates on one part, scores the other, prints `scorebatch evaluate`.
# Usage: tests/Data/anomaly_eval.sh WORKDIR [STATISTIC]   (STATISTIC: excess, the default, or mahalanobis)
# About 4 minutes on 2 cores, most of it training. Needs Debian's python3.11 with numpy, scipy and skimage.
set -euo pipefail
work=${1:?usage: anomaly_eval.sh WORKDIR [STATISTIC]}
statistic=${2:-excess}
here=$(cd "$(dirname "$0")" && pwd)
sb=${SCOREBATCH:-$here/../../Worker/bin/Release/net10.0/scorebatch}
py=/usr/bin/python3.11
mkdir -p "$work"
if [[ ! -f $work/prior/model.ckpt ]]; then
  "$sb" synth --out "$work/synth" --count 16000 --size 32 --seed 1 >/dev/null
  "$sb" train --data "$work/synth" --out "$work/prior" --size 32 --steps 2000 --batch 64 --width 32 --blocks 2 --mlp-width 128 --lr 1e-3 >/dev/null
fi
model=$work/prior/model.ckpt
[[ -f $work/hdf/hdf_left.npy ]] || "$py" "$here/hdf_cutouts.py" --out "$work/hdf"
[[ -f $work/sets/heldout/labels.csv ]] || "$py" "$here/hdf_eval_sets.py" --cutouts "$work/hdf" --out "$work/sets" --scorebatch "$sb"
for pair in "tuning heldout" "heldout tuning"; do
  read -r cal ev <<<"$pair"
  "$sb" calibrate --model "$model" --input "$work/sets/$cal/refs.npy" --out "$work/$statistic/cal-$cal.json" --statistic "$statistic" >/dev/null
  "$sb" score --model "$model" --calibration "$work/$statistic/cal-$cal.json" --input "$work/sets/$ev/eval" --out "$work/$statistic/score-$ev" --previews 0 --overwrite >/dev/null
  echo "== real galaxies, $ev part (calibrated on the $cal part)"
  "$sb" evaluate --summary "$work/$statistic/score-$ev/summary.csv" --labels "$work/sets/$ev/labels.csv" --bins noise_sigma:0.0333,0.0667
done
[[ -f $work/syn-ref/galaxies.npy ]] || "$sb" synth --out "$work/syn-ref" --count 300 --size 32 --seed 50 --snr 10:1000 --stack >/dev/null
[[ -f $work/syn-eval/labels.csv ]] || "$sb" synth --out "$work/syn-eval" --count 800 --size 32 --seed 77 --snr 10:1000 --pairs --artifacts ring,companion --stack >/dev/null
"$sb" calibrate --model "$model" --input "$work/syn-ref" --out "$work/$statistic/cal-synthetic.json" --statistic "$statistic" >/dev/null
"$sb" score --model "$model" --calibration "$work/$statistic/cal-synthetic.json" --input "$work/syn-eval" --out "$work/$statistic/score-synthetic" --previews 0 --overwrite >/dev/null
echo "== synthetic noisy galaxies (S/N 10-1000; calibrated on 300 other clean ones)"
"$sb" evaluate --summary "$work/$statistic/score-synthetic/summary.csv" --labels "$work/syn-eval/labels.csv"
