#!/usr/bin/env bash
# BLPO (arXiv 2505.11714) on MuJoCo (Gymnasium v5 tasks on libmujoco): PPO, PPO-Nested, BLPO with
# Nyström and with CG on Hopper, Walker2d and HalfCheetah at 1e6 steps, 3 seeds, and BLPO with the
# implicit (+) sign of the linearized critic term on Hopper. The public plots are Brax runs at 8e6
# steps: compare orderings, not values. PPO runs CleanRL's `ppo_continuous_action.py` settings (its
# published 1e6-step returns stand beside it); the BLPO couplings run the registry's BLPO preset
# (the code's Brax layout: 32 copies × 640 steps, 4 epochs of 32 one-trajectory minibatches; K, β
# and ε_F per task from the code's scripts).
# Variants as in blpo-classic.sh, one output root each, plus ppo_brax: PPO in the code's Brax layout
# (BLPO's own PPO baseline), beside CleanRL's. Seed-major order; finished seeds are
# skipped, checkpointed ones resumed.
#   scripts/experiments/blpo-mujoco.sh [OUT] [SEEDS...]      (default: runs/blpo_mujoco 0 1 2)
# Each run under a lock, so several copies share the grid. OUT and STACKELBERG_CLI are relative to
# where you call it from; bad arguments stop it before anything is written (exit 2), Ctrl-C after
# checkpointing the current run; it exits 1 if a run failed.
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
check_out "$@"
out="${1:-}"; shift || true
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out=runs/blpo_mujoco; fi
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
check_seeds "${seeds[@]}"
run() {   # name coupling task seed extra-settings...
  local name="$1" coupling="$2" task="$3" seed="$4"; shift 4
  run_locked "$out/$name/mujoco_$task/ppo-$coupling/seed$seed" "$name $task seed $seed" \
    "$S" train --algo ppo --coupling "$coupling" --env "mujoco/$task" --seeds "$seed" --steps 1e6 \
    --out "$out/$name" "${quiet[@]}" --set tensorboard=false --set eval_interval=50000 --set checkpoint_interval=100000 "$@"
}
grid() {   # every run, in order (run_grid checks them all, then trains them)
  for seed in "${seeds[@]}"; do
    for task in hopper walker2d halfcheetah; do
      run ppo monolithic "$task" "$seed"
      # BLPO's own PPO baseline: PPO in the code's Brax layout (trajectory minibatches, no gradient
      # clipping or annealing, truncation as termination), so the ordering is judged at one layout.
      run ppo_brax monolithic "$task" "$seed" --set num_envs=32 --set rollout_length=640 --set epochs=4 --set minibatches=32 \
        --set minibatch_layout=trajectories --set max_grad_norm=0 --set anneal_lr=false --set truncation=no_bootstrap
      run nested nested "$task" "$seed"
      run blpo_nystrom blpo "$task" "$seed"
      run blpo_cg blpo "$task" "$seed" --set blpo.solver=cg --set blpo.cg_iterations=20 --set blpo.cg_tolerance=1e-10
    done
    run blpo_implicit blpo hopper "$seed" --set blpo.linearized_sign=implicit
  done
}
run_grid grid
