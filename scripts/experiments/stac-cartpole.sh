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
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/stac_cartpole}"; shift || true
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2 3 4)
S="${STACKELBERG_CLI:-.build/release/stackelberg}"
[ -x "$S" ] || swift build -c release --product stackelberg
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
for config in "${configs[@]}"; do
  IFS='|' read -r name coupling extra <<< "$config"
  sets=(--set env_max_episode_steps=200)
  for kv in $extra; do sets+=(--set "$kv"); done
  for seed in "${seeds[@]}"; do
    dir="$out/$name/cartpole/ac-$coupling/seed$seed"
    [ -f "$dir/summary.json" ] && continue
    mkdir -p "$(dirname "$dir")"
    exec 9> "$dir.lock"
    if ! flock -n 9; then exec 9>&-; continue; fi   # another worker has this seed
    # Re-check under the lock: the other worker may have finished it meanwhile.
    if [ -f "$dir/summary.json" ]; then exec 9>&-; continue; fi
    resume=(); [ -f "$dir/checkpoint.state" ] && resume=(--resume)
    echo "$(date -u +%FT%TZ) $name seed $seed ${resume[*]}"
    "$S" train --algo ac --coupling "$coupling" --env cartpole --seeds "$seed" --out "$out/$name" --quiet \
      "${sets[@]}" "${resume[@]}" || echo "$(date -u +%FT%TZ) FAILED: $name seed $seed"
    exec 9>&-
  done
done
