#!/usr/bin/env bash
# STAC Sec. 5 / App. E on MuJoCo: DDPG and SAC, each individual, actor-leader (STDDPG-AL,
# STSAC-AL) and critic-leader (-CL), at the paper's settings (the registry's mujoco defaults:
# (256, 256) ReLU, Adam 1e-3, minibatch 100, replay 1e6, 10,000 random steps, 50 updates every
# 50 steps, Polyak 0.995, λ = 500·exp(−t/1e5), CG k = 10).
#
# Runs one (task, algorithm, coupling, seed) at a time, seed by seed, and SAC on HalfCheetah to
# 1e6 steps (the first seed, under OUT/1e6: CleanRL's scale) after that seed's HalfCheetah runs;
# it resumes whatever a stopped session left: a finished seed is skipped, a checkpointed one is
# resumed with --resume (bit-exact), anything else starts fresh. Safe to re-run at any time, and to
# run as several workers at once (one per core): each run is taken under a lock (OUT/…/seedN.lock).
#
#   scripts/experiments/stac-mujoco.sh [OUT] [SEEDS...]      (default: runs/stac_mujoco 0 1 2)
# Environment: STEPS (default 4e5: every run but the long one), LONG_STEPS (the SAC HalfCheetah run
# under OUT/1e6; default 1e6, 0 leaves it out), TASKS (default "halfcheetah hopper"), STACKELBERG_CLI
# (default .build/release/stackelberg). OUT and STACKELBERG_CLI are relative to where you call it from.
# Bad arguments stop it before anything is written (exit 2); Ctrl-C stops it after checkpointing the
# current run (run it again to resume); it exits 1 if a run failed.
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
check_out "$@"
out="${1:-}"; shift || true
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out=runs/stac_mujoco; fi
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
steps="${STEPS:-4e5}"; long_steps="${LONG_STEPS:-1e6}"; tasks="${TASKS:-halfcheetah hopper}"
check_seeds "${seeds[@]}"
check_steps STEPS "$steps"
[ "$long_steps" = 0 ] || check_steps LONG_STEPS "$long_steps"
check_choices TASKS "$tasks" halfcheetah hopper walker2d swimmer reacher inverted_pendulum inverted_double_pendulum
# first_updates=catch_up: the grid began before SpinningUp's first round (update_every updates) was
# the default, with 1,000 updates at step 1,000; every seed keeps that, so the grid compares like with like.
run_one() {   # task algo coupling seed steps out
  run_locked "$6/mujoco_$1/$2-$3/seed$4" "$1 $2 $3 seed $4 steps $5" \
    "$S" train --algo "$2" --coupling "$3" --env "mujoco/$1" --seeds "$4" --steps "$5" --out "$6" "${quiet[@]}" --set checkpoint_interval=10000 --set first_updates=catch_up
}
grid() {   # every run, in order (run_grid checks them all, then trains them)
  # Seed-major order, so that every configuration has seed 0 before any has seed 1: a grid cut
  # short by a session's end still compares all twelve configurations.
  for seed in "${seeds[@]}"; do
    for task in $tasks; do
      for coupling in individual actor-leader critic-leader; do
        for algo in ddpg sac; do
          run_one "$task" "$algo" "$coupling" "$seed" "$steps" "$out"
        done
      done
      # CleanRL's scale (result 3), once seed 0's HalfCheetah configurations are in.
      if [ "$seed" = "${seeds[0]}" ] && [ "$task" = halfcheetah ] && [ "$long_steps" != 0 ]; then
        steps_variable=LONG_STEPS run_one halfcheetah sac individual "$seed" "$long_steps" "$out/1e6"
      fi
    done
  done
}
run_grid grid
