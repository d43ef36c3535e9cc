#!/usr/bin/env bash
# STAC's critic-leader variants (STSAC-CL, STDDPG-CL) with the public code's plain CG, which steps
# through directions of negative curvature (`stackelberg.cg_negative_curvature = continue`), beside
# the grid's truncated CG that stops there (scripts/experiments/stac-mujoco.sh). With the critic
# leading, the solve is on the actor's ∇²θ(−J) + λI, indefinite once λ has decayed: in seed 0 of the
# grid CG met negative curvature in 22% of HalfCheetah updates at 100k steps and 98% at 350k, and
# both CL variants ended far below their base. This asks whether the code's CG does better.
#
#   scripts/experiments/stac-plain-cg.sh [OUT] [SEEDS...]      (default: runs/stac_plain_cg 0)
# Environment: STEPS (default 4e5), TASKS (default halfcheetah), ALGOS (default "sac ddpg"),
# STACKELBERG_CLI (default .build/release/stackelberg). Resumable and lock-shared like the grid.
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/stac_plain_cg}"; shift || true
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0)
steps="${STEPS:-4e5}"; tasks="${TASKS:-halfcheetah}"; algos="${ALGOS:-sac ddpg}"
source scripts/experiments/common.sh
for seed in "${seeds[@]}"; do
  for task in $tasks; do
    for algo in $algos; do
      run_locked "$out/mujoco_$task/$algo-critic-leader/seed$seed" "$task $algo critic-leader plain CG seed $seed steps $steps" \
        "$S" train --algo "$algo" --coupling critic-leader --env "mujoco/$task" --seeds "$seed" --steps "$steps" --out "$out" \
        --quiet --set checkpoint_interval=10000 --set stackelberg.cg_negative_curvature=continue
    done
  done
done
