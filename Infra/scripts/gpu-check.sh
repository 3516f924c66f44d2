#!/usr/bin/env bash
# GPU readiness check, for a machine with an NVIDIA GPU, its driver and NuGet access to the CUDA torch packages
# (TorchSharp-cuda-linux; not served on the CPU development machines, so this never runs in CI).
# Usage: Infra/scripts/gpu-check.sh [WORKDIR]      (about 5 minutes; exits non-zero on the first failed check)
#  1. builds the CLI with the CUDA torch runtime (-p:TorchRuntime=cuda) into WORKDIR/bin;
#  2. checks that torch sees the GPU (a one-step training on --device cuda must say "device CUDA");
#  3. parity of scoring: the same checkpoint scores the same noisy cutouts (with a calibration, so the multiscale
#     feature passes run too) on the CPU and on the GPU; score maps must agree within 1e-4 relative L2, the anomaly
#     column within 1e-3 relative;
#  4. parity of training: 3 steps from the same seed on each device (noise and times are drawn on the CPU from the
#     run's seed and moved, so both see the same draws); the losses must agree within 1e-3 relative;
#  5. throughput on the GPU: training and scoring images/s at 64² from the commands' own progress lines.
# GPU_CHECK_DEVICE=cpu runs the same steps with the CPU build and "cpu" as the second device (a dry run of the
# script itself on a machine without a GPU; the parity checks then compare the CPU with itself).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$(mktemp -d /tmp/scorebatch-gpu-check.XXXX)}"
py=/usr/bin/python3.11
[[ -x $py ]] || py=python3
gpu=${GPU_CHECK_DEVICE:-cuda}
[[ $gpu == cuda || $gpu == cpu ]] || { echo "gpu-check: GPU_CHECK_DEVICE must be cuda or cpu, got '$gpu'" >&2; exit 2; }
runtime=$gpu
expect=$([[ $gpu == cuda ]] && echo CUDA || echo CPU)
mkdir -p "$work"
if [[ $gpu == cuda ]]; then
  command -v nvidia-smi >/dev/null || { echo "gpu-check: nvidia-smi not found: this needs a machine with an NVIDIA GPU and driver" >&2; exit 2; }
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
fi

echo "== 1. build (TorchRuntime=$runtime)"
dotnet build "$root/Worker" -c Release -p:TorchRuntime="$runtime" -o "$work/bin" -v quiet -nologo -clp:ErrorsOnly
sb=("dotnet" "$work/bin/scorebatch.dll")

echo "== 2. torch sees the GPU"
"${sb[@]}" synth --out "$work/train" --count 2048 --size 64 --seed 1 --snr 10:1000 --stack >/dev/null
"${sb[@]}" train --data "$work/train" --out "$work/probe" --overwrite --size 64 --steps 1 --batch 64 --device "$gpu" >"$work/probe.log" 2>&1
grep "device" "$work/probe.log" | head -1
grep -q "device $expect" "$work/probe.log" || { echo "gpu-check: the run did not use $expect (see $work/probe.log)" >&2; exit 1; }

echo "== 3. scoring parity (cpu vs $gpu)"
"${sb[@]}" train --data "$work/train" --out "$work/model" --overwrite --size 64 --steps 200 --batch 64 --device "$gpu" --log-every 100 >/dev/null
"${sb[@]}" synth --out "$work/ref" --count 200 --size 64 --seed 2 --snr 10:1000 --stack >/dev/null
"${sb[@]}" synth --out "$work/eval" --count 100 --size 64 --seed 3 --snr 10:1000 --pairs --artifacts ring,companion --stack >/dev/null
"${sb[@]}" calibrate --model "$work/model/model.ckpt" --input "$work/ref" --out "$work/calibration.json" --device cpu >/dev/null
for d in cpu "$gpu"; do
  "${sb[@]}" score --model "$work/model/model.ckpt" --calibration "$work/calibration.json" --input "$work/eval" \
    --out "$work/score-$d-run" --previews 0 --overwrite --device "$d" 2>&1 | tail -1
done
"$py" - "$work" "$gpu" <<'PY'
import csv, glob, os, sys
import numpy as np
work, gpu = sys.argv[1], sys.argv[2]
worst = 0.0
for a in sorted(glob.glob(f"{work}/score-cpu-run/scores/**/*.npy", recursive=True)):
    b = a.replace("score-cpu-run", f"score-{gpu}-run")
    x, y = np.load(a), np.load(b)
    worst = max(worst, float(np.linalg.norm(x - y) / max(np.linalg.norm(x), 1e-30)))
rows = lambda d: {r["id"]: float(r["anomaly"]) for r in csv.DictReader(open(f"{work}/score-{d}-run/summary.csv"))}
c, g = rows("cpu"), rows(gpu)
anomaly = max(abs(c[k] - g[k]) / max(abs(c[k]), 1e-12) for k in c)
print(f"score maps: worst relative L2 {worst:.2e} (limit 1e-4); anomaly: worst relative difference {anomaly:.2e} (limit 1e-3)")
sys.exit(0 if worst <= 1e-4 and anomaly <= 1e-3 else 1)
PY

echo "== 4. training parity (cpu vs $gpu, 3 steps, same seed)"
for d in cpu "$gpu"; do
  "${sb[@]}" train --data "$work/train" --out "$work/steps-$d-run" --overwrite --size 64 --steps 3 --batch 64 --seed 7 --device "$d" --checkpoint-every 0 >/dev/null
done
"$py" - "$work" "$gpu" <<'PY'
import csv, sys
work, gpu = sys.argv[1], sys.argv[2]
loss = lambda d: [float(r["loss"]) for r in csv.DictReader(open(f"{work}/steps-{d}-run/loss.csv"))]
c, g = loss("cpu"), loss(gpu)
worst = max(abs(a - b) / abs(a) for a, b in zip(c, g))
print(f"losses cpu {c} {gpu} {g}: worst relative difference {worst:.2e} (limit 1e-3)")
sys.exit(0 if len(c) == len(g) == 3 and worst <= 1e-3 else 1)
PY

echo "== 5. throughput on $expect (64²)"
"${sb[@]}" train --data "$work/train" --out "$work/speed" --overwrite --size 64 --steps "${GPU_CHECK_TRAIN_STEPS:-300}" --batch 256 --device "$gpu" --log-every 100 --checkpoint-every 0 2>&1 | tail -3
"${sb[@]}" synth --out "$work/many" --count "${GPU_CHECK_SCORE_COUNT:-20000}" --size 64 --seed 4 --snr 10:1000 --stack >/dev/null
start=$(date +%s.%N)
"${sb[@]}" score --model "$work/model/model.ckpt" --input "$work/many" --out "$work/many-scored" --previews 0 --overwrite --device "$gpu" --batch 512 2>&1 | tail -2
echo "score: ${GPU_CHECK_SCORE_COUNT:-20000} cutouts at $(echo "${GPU_CHECK_SCORE_COUNT:-20000} / ($(date +%s.%N) - $start)" | bc -l | cut -d. -f1) cutouts/s (load and writes included)"
echo "gpu-check: all checks passed ($work)"
