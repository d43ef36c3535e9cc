#!/usr/bin/env bash
# STAC Sec. 5, Fig. 3a on CartPole-v0 (200-step cap): AC and STAC (actor leading), critic unroll
# m ∈ {1, 80}, at the paper's settings (the registry's `ac` defaults: (64, 32) tanh, 4,000 steps
# per batch, plain GD, π 0.1, V 0.01, GAE(0.99, 0.97), λ = 0, CG k = 10, 8e5 steps), plus
#   - the step-size ablation: the actor steps along its own gradient scaled to STAC's step along
#     it (stackelberg.leader_step = scaled_own_gradient);
#   - the public code's rank-one surrogate for the mixed term (mixed_term = first_transition).
# One configuration and seed at a time; finished seeds are skipped, checkpointed ones resumed.
# Several copies of this script may run at once (one per core): each run is taken under a lock
# (flock on SEED.lock beside its directory), so two workers never train the same seed.
#
#   scripts/experiments/stac-cartpole.sh [OUT] [SEEDS...]      (default: runs/stac_cartpole 0 1 2 3 4)
# Environment: STACKELBERG_CLI (default .build/release/stackelberg). OUT and STACKELBERG_CLI are
# relative to where you call it from; bad arguments stop it before anything is written (exit 2),
# Ctrl-C after checkpointing the current run; it exits 1 if a run failed.
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
check_out "$@"
out="${1:-}"; shift || true
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out=runs/stac_cartpole; fi
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2 3 4)
check_seeds "${seeds[@]}"
# name | coupling | settings
configs=(
  "ac_m1|individual|"
  "stac_m1|actor-leader|"
  "scaled_m1|actor-leader|stackelberg.leader_step=scaled_own_gradient"
  "stac_code_m1|actor-leader|mixed_term=first_transition"
  "ac_m80|individual|individual.unroll=80"
  "stac_m80|actor-leader|stackelberg.unroll=80"
  "scaled_m80|actor-leader|stackelberg.unroll=80 stackelberg.leader_step=scaled_own_gradient"
  "stac_code_m80|actor-leader|stackelberg.unroll=80 mixed_term=first_transition"
)
grid() {   # every run, in order (run_grid checks them all, then trains them)
  for config in "${configs[@]}"; do
    IFS='|' read -r name coupling extra <<< "$config"
    sets=(--set env_max_episode_steps=200)
    for kv in $extra; do sets+=(--set "$kv"); done
    for seed in "${seeds[@]}"; do
      run_locked "$out/$name/cartpole/ac-$coupling/seed$seed" "$name seed $seed" \
        "$S" train --algo ac --coupling "$coupling" --env cartpole --seeds "$seed" --out "$out/$name" "${quiet[@]}" "${sets[@]}"
    done
  done
}
run_grid grid
