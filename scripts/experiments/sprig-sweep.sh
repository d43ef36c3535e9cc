#!/usr/bin/env bash
# SPRIG's ablation the paper does not report (result 3 of its issue): the cooperation weight
# α_coop ∈ {0, 0.3, 0.7, 1} against the attention cost's weight λ_c ∈ {1e-4, 1e-3, 1e-2} (the
# paper's value and two decades above it), 3 seeds, on MinAtar Breakout at the sprig preset
# (2 stacked frames, gate_l1 cost), 1e6 steps per run. α_coop = 1 leaves the leader only the cost
# (its policy term vanishes); α_coop = 0 only the policy term. One output root per (α, λ_c):
# OUT/alpha<α>_lambda<λ>/minatar_breakout/ppo-sprig/seedN, for `stackelberg compare`.
# Locking and resume as in sprig-minatar.sh.
#   scripts/experiments/sprig-sweep.sh [OUT] [SEEDS...]   (default: runs/sprig_sweep 0 1 2)
# Environment: STEPS (default 1e6), ALPHAS, LAMBDAS, GAME (default breakout), STACKELBERG_CLI. OUT and
# STACKELBERG_CLI are relative to where you call it from; bad arguments stop it before anything is
# written (exit 2), Ctrl-C after checkpointing the current run; it exits 1 if a run failed.
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
check_out "$@"
out="${1:-}"; shift || true
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out=runs/sprig_sweep; fi
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
steps="${STEPS:-1e6}"
alphas="${ALPHAS:-0 0.3 0.7 1}"
lambdas="${LAMBDAS:-1e-4 1e-3 1e-2}"
game="${GAME:-breakout}"
check_seeds "${seeds[@]}"
check_steps STEPS "$steps"
check_numbers ALPHAS "$alphas"
check_numbers LAMBDAS "$lambdas"
check_choices GAME "$game" breakout asterix freeway seaquest space_invaders
# GEMM kernels: STACKELBERG_GEMM's (auto: libxsmm's AVX-512 kernels where the CPU has them; with AVX2 only, `mixed`: libxsmm
# for small right operands and OpenBLAS above, with whatever OPENBLAS_CORETYPE sets). Each run records its kernels; a resume under others is noted in its
# config and summary (docs/core.md, "Matrix products"). Keep one choice for a grid if its bits are to be reproduced.
grid() {   # every run, in order (run_grid checks them all, then trains them)
  for seed in "${seeds[@]}"; do
    for lambda in $lambdas; do
      for alpha in $alphas; do
        root="$out/alpha${alpha}_lambda${lambda}"
        run_locked "$root/minatar_$game/ppo-sprig/seed$seed" "alpha $alpha lambda $lambda seed $seed" \
          "$S" train --algo ppo --coupling sprig --env "minatar/$game" --seeds "$seed" --steps "$steps" \
          --out "$root" "${quiet[@]}" --set sprig.cooperation="$alpha" --set sprig.cost_weight="$lambda" --set checkpoint_interval=200000
      done
    done
  done
}
run_grid grid
