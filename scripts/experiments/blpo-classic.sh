#!/usr/bin/env bash
# BLPO (arXiv 2505.11714) on classic control: PPO, PPO-Nested, BLPO with Nyström and with CG, and
# BLPO with the implicit (+) sign of the linearized critic term, 5 seeds, on CartPole-v1 (5e5
# steps) and Acrobot-v1 (4e5), the public code's discrete runs. Each variant has its own output
# root (variants of one coupling differ only in settings), so `stackelberg compare` can take them
# side by side:
#   ppo           --coupling monolithic            (CleanRL's ppo.py)
#   nested        --coupling nested                 (K = 5 critic steps per minibatch)
#   blpo_nystrom  --coupling blpo                   (the code: Nyström k = 5, ρ = 50, σ = −1, Σ)
#   blpo_cg       --coupling blpo, CG with 20 products, tolerance 1e-10, λ = 0 (the code's CG_ppo)
#   blpo_implicit --coupling blpo, blpo.linearized_sign = implicit (σ = +1)
#   blpo_cg_plain as blpo_cg, with CG stepping through negative curvature as the code's JAX cg does
#                 (blpo.cg_negative_curvature = continue; blpo_cg stops there)
# Finished seeds are skipped; re-running resumes.
#   scripts/experiments/blpo-classic.sh [OUT]      (default: runs/blpo_classic)
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/blpo_classic}"
S="${STACKELBERG_CLI:-.build/release/stackelberg}"
[ -x "$S" ] || swift build -c release --product stackelberg
variant() {   # name coupling extra-settings...
  local name="$1" coupling="$2"; shift 2
  for task in "cartpole 5e5" "acrobot 4e5"; do
    set -- $task "$@"
    local env="$1" steps="$2"; shift 2
    for seed in 0 1 2 3 4; do
      local dir="$out/$name/$env/ppo-$coupling/seed$seed"
      [ -f "$dir/summary.json" ] && continue
      local resume=(); [ -f "$dir/checkpoint.state" ] && resume=(--resume)
      echo "$(date -u +%FT%TZ) $name $env seed $seed ${resume[*]}"
      "$S" train --algo ppo --coupling "$coupling" --env "$env" --seeds "$seed" --steps "$steps" \
        --out "$out/$name" --quiet --set tensorboard=false "${resume[@]}" "$@" || echo "$(date -u +%FT%TZ) FAILED: $name $env seed $seed"
    done
  done
}
variant ppo monolithic
variant nested nested
variant blpo_nystrom blpo
variant blpo_cg blpo --set blpo.solver=cg --set blpo.cg_iterations=20 --set blpo.cg_tolerance=1e-10
variant blpo_implicit blpo --set blpo.linearized_sign=implicit
variant blpo_cg_plain blpo --set blpo.solver=cg --set blpo.cg_iterations=20 --set blpo.cg_tolerance=1e-10 --set blpo.cg_negative_curvature=continue
