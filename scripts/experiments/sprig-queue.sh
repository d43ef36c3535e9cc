#!/usr/bin/env bash
# The SPRIG issue's experiments on one worker, in the order that gives each result its next seed
# soonest: for each seed the MinAtar grid (sprig-minatar.sh: five games, three variants, 5e6 steps)
# and then the α_coop × λ_c sweep (sprig-sweep.sh: twelve settings on Breakout, 1e6 steps); BeamRider
# (sprig-beamrider.sh, 2e6 steps) for seed 0 after seed 0's grid and sweep, so that each of the issue's
# results has a first seed before any has a second, and for seed 1 after the last seed. Every run is resumed or
# skipped as those scripts do (a finished run is skipped, a checkpointed one resumed bit-exactly),
# so re-running this after a stop continues where it left off. Environment as those scripts'
# (STACKELBERG_CLI, STEPS applies to all three: leave it unset for the issue's budgets), and:
#   RUNS_ROOT       where the three grids go (default runs: runs/sprig_minatar, runs/sprig_sweep,
#                   runs/sprig_beamrider), relative to where you call it from
#   BEAMRIDER_SEEDS the seeds BeamRider gets, of those given (default "0 1": the issue's two)
# Every script's arguments and every run of every grid are checked (each script's check pass, CHECK_ONLY=1)
# before the first run trains: a bad ALPHAS or a budget that differs from a run's already there stops the
# queue at once, not after hours of the grids before it. A stop signal to the queue (Ctrl-C, kill PID)
# is passed to the running script, which passes it to its run and waits while it checkpoints.
#   scripts/experiments/sprig-queue.sh [SEEDS...]    (default: 0 1 2)
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
case "${1:-}" in
  *[!0-9]*) die "'$1' is not a seed: the queue takes seeds only (e.g. 0 1 2); its grids go under RUNS_ROOT (default runs), e.g. RUNS_ROOT=$1 $(basename "$0") 0" ;;
esac
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
check_seeds "${seeds[@]}"
root=runs
if [ -n "${RUNS_ROOT+x}" ]; then
  [ -n "$RUNS_ROOT" ] || die "RUNS_ROOT is empty (an unset shell variable?): give a directory, or unset it for runs/"
  root="$(from_caller "$RUNS_ROOT")"
fi
beam_allowed="${BEAMRIDER_SEEDS-0 1}"
check_seeds $beam_allowed
beam_seeds=()
for seed in "${seeds[@]}"; do
  case " $beam_allowed " in *" $seed "*) beam_seeds+=("$seed") ;; esac
done

# step SCRIPT ARGS...: one script of the queue, waited for (run_waited) so that a stop signal sent to the
# queue alone reaches it (it passes the signal to its run and waits while it checkpoints); a stop or a bad
# argument stops the queue, a failed run is remembered and the queue goes on.
failed=0
step() {
  local rc
  run_waited "$@"; rc=$?
  case $rc in
    0) ;;
    1) failed=1 ;;
    *) exit $rc ;;
  esac
}
queue() {
  for seed in "${seeds[@]}"; do
    step scripts/experiments/sprig-minatar.sh "$root/sprig_minatar" "$seed"
    step scripts/experiments/sprig-sweep.sh "$root/sprig_sweep" "$seed"
    [ "$seed" = 0 ] && [ "${beam_seeds[0]:-}" = 0 ] && step scripts/experiments/sprig-beamrider.sh "$root/sprig_beamrider" 0
  done
  [ ${#beam_seeds[@]} -eq 0 ] || step scripts/experiments/sprig-beamrider.sh "$root/sprig_beamrider" "${beam_seeds[@]}"
}
export CHECK_ONLY=1   # each script checks its arguments and runs, and exits
queue
export CHECK_ONLY=0
queue
exit $failed
