#!/usr/bin/env bash
# The bridge at scale (issue: the toy games' diagnostics measured inside deep RL): the game
# diagnostics (`--set diagnostics.enabled=true`, Sources/Agents/Diagnostics) over training of
#   MinAtar Breakout: DQN (monolithic) against SCORER (encoder follower, Q-head leader), STEPS_MINATAR steps;
#   HalfCheetah: SAC (individual) against STSAC-AL and STSAC-CL, STEPS_MUJOCO steps,
# each at the registry's defaults otherwise, 3 seeds, under OUT/<env>/<algo>-<coupling>/seedN, so that
#   stackelberg diagnose OUT/minatar_breakout/*/seed* --out plots/bridge/breakout
# compares the couplings. Breakout's diagnostics come every DQN_INTERVAL updates (250: about 150 per
# run at 5e6 steps, about 40% more wall time; the default 1,000 stays within 10%), HalfCheetah's every
# MUJOCO_INTERVAL updates (1,000: about 50 per run at 5e4 steps; the default 2,000 keeps a long run
# within 10% but gives few points in a short one), with the Stackelberg field's spectrum too
# (diagnostics.stackelberg_spectrum, by finite differences: about 7 s more per diagnostic). Seed-major, then environment, then coupling; each run under a lock (OUT/…/seedN.lock),
# so several copies of this script (one per core) share the grid; a finished run is skipped, a
# checkpointed one resumed bit-exactly.
#   scripts/experiments/bridge.sh [OUT] [SEEDS...]     (default: runs/bridge 0 1 2)
# Environment: STEPS_MINATAR (default 5e6), STEPS_MUJOCO (default 5e4), DQN_INTERVAL (default 250), MUJOCO_INTERVAL (default 1000),
# STACKELBERG_CLI (default .build/release/stackelberg). OUT and STACKELBERG_CLI are relative to where
# you call it from; bad arguments stop it before anything is written (exit 2), Ctrl-C after
# checkpointing the current run; it exits 1 if a run failed.
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
check_out "$@"
out="${1:-}"; shift || true
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out=runs/bridge; fi
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
check_seeds "${seeds[@]}"
check_steps STEPS_MINATAR "${STEPS_MINATAR:-5e6}"
check_steps STEPS_MUJOCO "${STEPS_MUJOCO:-5e4}"
check_steps DQN_INTERVAL "${DQN_INTERVAL:-250}"
check_steps MUJOCO_INTERVAL "${MUJOCO_INTERVAL:-1000}"
run_one() {   # env algo coupling seed steps extra...
  local env="$1" algo="$2" coupling="$3" seed="$4" steps="$5"; shift 5
  run_locked "$out/${env//\//_}/$algo-$coupling/seed$seed" "$env $algo $coupling seed $seed" \
    "$S" train --algo "$algo" --coupling "$coupling" --env "$env" --seeds "$seed" --steps "$steps" --out "$out" "${quiet[@]}" \
    --set diagnostics.enabled=true "$@"
}
grid() {   # every run, in order (run_grid checks them all, then trains them)
  for seed in "${seeds[@]}"; do
    for coupling in monolithic scorer; do
      steps_variable=STEPS_MINATAR run_one minatar/breakout dqn "$coupling" "$seed" "${STEPS_MINATAR:-5e6}" --set checkpoint_interval=250000 \
        --set diagnostics.interval="${DQN_INTERVAL:-250}"
    done
    for coupling in individual actor-leader critic-leader; do
      steps_variable=STEPS_MUJOCO run_one mujoco/halfcheetah sac "$coupling" "$seed" "${STEPS_MUJOCO:-5e4}" --set checkpoint_interval=5000 \
        --set diagnostics.interval="${MUJOCO_INTERVAL:-1000}" --set diagnostics.stackelberg_spectrum=true \
        --set first_updates=catch_up   # as the committed runs did (before SpinningUp's first round was the default)
    done
  done
}
run_grid grid
