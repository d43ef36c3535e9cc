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
# Finished seeds are skipped; re-running resumes (each run under a lock, so several copies share the
# grid). OUT and STACKELBERG_CLI are relative to where you call it from; Ctrl-C stops it after
# checkpointing the current run; it exits 1 if a run failed.
#   scripts/experiments/blpo-classic.sh [OUT]      (default: runs/blpo_classic)
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
[ $# -le 1 ] || die "usage: $0 [OUT] (its seeds are fixed: 0 to 4)"
check_out "$@"
out="${1:-}"
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out=runs/blpo_classic; fi
variant() {   # name coupling extra-settings...
  local name="$1" coupling="$2"; shift 2
  for task in "cartpole 5e5" "acrobot 4e5"; do
    set -- $task "$@"
    local env="$1" steps="$2"; shift 2
    for seed in 0 1 2 3 4; do
      run_locked "$out/$name/$env/ppo-$coupling/seed$seed" "$name $env seed $seed" \
        "$S" train --algo ppo --coupling "$coupling" --env "$env" --seeds "$seed" --steps "$steps" \
        --out "$out/$name" "${quiet[@]}" --set tensorboard=false "$@"
    done
  done
}
grid() {   # every run, in order (run_grid checks them all, then trains them)
  variant ppo monolithic
  variant nested nested
  variant blpo_nystrom blpo
  variant blpo_cg blpo --set blpo.solver=cg --set blpo.cg_iterations=20 --set blpo.cg_tolerance=1e-10
  variant blpo_implicit blpo --set blpo.linearized_sign=implicit
  variant blpo_cg_plain blpo --set blpo.solver=cg --set blpo.cg_iterations=20 --set blpo.cg_tolerance=1e-10 --set blpo.cg_negative_curvature=continue
}
run_grid grid
