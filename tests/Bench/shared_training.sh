#!/usr/bin/env bash
# Speed that survives sharing (README, "Performance"): a lone `scorebatch train` against two started together on
# the same CPUs, each given the machine's CPU count (as two jobs on one node or two containers without CPU limits
# would be), for each OpenMP wait setting named on the command line ("default" = the product's own).
# Usage: [SIZE=64] tests/Bench/shared_training.sh WORKDIR [STEPS] [SETTING ...]   (64², batch 64, 200 steps by default)
#   SETTING: default, or an environment assignment such as GOMP_SPINCOUNT=1000 or OMP_WAIT_POLICY=passive.
# Prints images/s of each run over its whole wall time (start-up included) and each shared run's ratio to the lone
# one; fair sharing of 2 runs gives 0.5x. Printed, never asserted.
set -euo pipefail
work=${1:?usage: shared_training.sh WORKDIR [STEPS] [SETTING ...]}
steps=${2:-200}
shift $(( $# >= 2 ? 2 : 1 ))
settings=("$@")
[[ ${#settings[@]} -gt 0 ]] || settings=(default)
here=$(cd "$(dirname "$0")" && pwd)
sb=${SCOREBATCH:-$here/../../Worker/bin/Release/net10.0/scorebatch}
batch=64
size=${SIZE:-64}
mkdir -p "$work"
[[ -f $work/data/galaxies.npy ]] || "$sb" synth --out "$work/data" --count 2048 --size "$size" --seed 1 --stack >/dev/null
run() { # setting out -> prints seconds
  local setting=$1 out=$2 start end
  start=$(date +%s.%N)
  if [[ $setting == default ]]; then
    "$sb" train --data "$work/data" --out "$out" --overwrite --size "$size" --steps "$steps" --batch $batch --checkpoint-every 0 --log-every 100000 >/dev/null
  else
    env "$setting" "$sb" train --data "$work/data" --out "$out" --overwrite --size "$size" --steps "$steps" --batch $batch --checkpoint-every 0 --log-every 100000 >/dev/null
  fi
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
rate() { echo "scale=1; $steps * $batch / $1" | bc -l; }
echo "| setting | lone img/s | shared img/s (run 1, run 2) | shared / lone |"
echo "|---|---|---|---|"
for setting in "${settings[@]}"; do
  lone=$(run "$setting" "$work/lone")
  run "$setting" "$work/a" > "$work/a.time" &
  run "$setting" "$work/b" > "$work/b.time" &
  wait
  a=$(cat "$work/a.time"); b=$(cat "$work/b.time")
  ratio_a=$(echo "scale=2; $lone / $a" | bc -l); ratio_b=$(echo "scale=2; $lone / $b" | bc -l)
  echo "| $setting | $(rate "$lone") | $(rate "$a"), $(rate "$b") | ${ratio_a}x, ${ratio_b}x |"
done
