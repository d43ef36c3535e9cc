#!/usr/bin/env bash
# The SPRIG issue's experiments on one worker, in the order that gives each result its next seed
# soonest: for each seed the MinAtar grid (sprig-minatar.sh: five games, three variants, 5e6 steps)
# and then the α_coop × λ_c sweep (sprig-sweep.sh: twelve settings on Breakout, 1e6 steps); BeamRider
# (sprig-beamrider.sh, 2e6 steps) for seed 0 after seed 0's grid and sweep, so that each of the issue's
# results has a first seed before any has a second, and for seed 1 after the last seed. Every run is resumed or
# skipped as those scripts do (a finished run is skipped, a checkpointed one resumed bit-exactly),
# so re-running this after a stop continues where it left off. Environment as those scripts'
# (STACKELBERG_CLI, STEPS applies to all three: leave it unset for the issue's budgets).
#   scripts/experiments/sprig-queue.sh [SEEDS...]    (default: 0 1 2)
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
check_seeds "${seeds[@]}"
# step SCRIPT ARGS...: one script of the queue; a stop (Ctrl-C, SIGTERM) or a bad argument stops the
# queue, a failed run is remembered and the queue goes on.
failed=0
step() {
  "$@"
  local rc=$?
  case $rc in
    0) ;;
    1) failed=1 ;;
    *) exit $rc ;;
  esac
}
for seed in "${seeds[@]}"; do
  step scripts/experiments/sprig-minatar.sh runs/sprig_minatar "$seed"
  step scripts/experiments/sprig-sweep.sh runs/sprig_sweep "$seed"
  [ "$seed" = 0 ] && step scripts/experiments/sprig-beamrider.sh runs/sprig_beamrider 0
done
step scripts/experiments/sprig-beamrider.sh runs/sprig_beamrider 0 1
exit $failed
