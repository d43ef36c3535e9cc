#!/usr/bin/env bash
# STAC's λ schedule on MuJoCo: the actor-leader variants (STSAC-AL, STDDPG-AL) with λ held at 500
# (`stackelberg.lambda_time_constant = 0`) beside the grid's decaying λ = 500·exp(−t/1e5) (the STAC
# code's default, scripts/experiments/stac-mujoco.sh). Seed 0 of the grid's STSAC-AL on HalfCheetah
# diverged at about 155k steps, when λ had decayed to about 110 and the implicit correction had grown
# past the actor's own gradient; this asks whether the decay is what lets it.
#
#   scripts/experiments/stac-lambda.sh [OUT] [SEEDS...]      (default: runs/stac_lambda 0)
# Environment: STEPS (default 4e5), TASKS (default halfcheetah), ALGOS (default "sac ddpg"),
# STACKELBERG_CLI (default .build/release/stackelberg). Resumes what a stopped session left, like
# the grid's script; one run at a time, under a lock.
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/stac_lambda}"; shift || true
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0)
steps="${STEPS:-4e5}"; tasks="${TASKS:-halfcheetah}"; algos="${ALGOS:-sac ddpg}"
source scripts/experiments/common.sh
for seed in "${seeds[@]}"; do
  for task in $tasks; do
    for algo in $algos; do
      run_locked "$out/mujoco_$task/$algo-actor-leader/seed$seed" "$task $algo actor-leader constant λ seed $seed steps $steps" \
        "$S" train --algo "$algo" --coupling actor-leader --env "mujoco/$task" --seeds "$seed" --steps "$steps" --out "$out" \
        --quiet --set checkpoint_interval=10000 --set stackelberg.lambda_time_constant=0
    done
  done
done
