#!/usr/bin/env bash
# SPRIG (arXiv 2502.14264) on MinAtar, result 1 of its issue: SPRIG against PPO with the same
# perception module trained end to end (one optimizer, no leader stage) and PPO with MinAtar's
# plain network, every variant on the same input (2 stacked frames, the sprig preset's), at the
# registry's MinAtar PPO settings (64 copies × 128 steps, 4 epochs of 8 minibatches, Adam 5e-4
# annealed, sticky actions 0.1) and 5e6 steps per run. Each variant has its own output root so
# `stackelberg compare` takes them side by side:
#   ppo_cnn        --coupling monolithic                                  (MinAtar's network)
#   ppo_attention  --coupling monolithic --set network.layout=attention   (the same module, end to end)
#   sprig          --coupling sprig                                       (α_coop 0.7, λ_c 1e-4, gate_l1)
#
# Seed-major, then game, then variant, so that a grid cut short by a session's end compares all
# three variants on every game it reached. A finished run is skipped, a checkpointed one resumed
# (bit-exact), anything else started; each run is taken under a lock (OUT/…/seedN.lock), so several
# copies of this script (one per core) share the grid.
#   scripts/experiments/sprig-minatar.sh [OUT] [SEEDS...]     (default: runs/sprig_minatar 0 1 2)
# Environment: STEPS (default 5e6), GAMES (default "breakout asterix freeway seaquest space_invaders"),
# VARIANTS (default "ppo_cnn ppo_attention sprig"; also sprig_logprob, the paper's literal leader term),
# STACKELBERG_CLI (default .build/release/stackelberg). OUT and STACKELBERG_CLI are relative to where
# you call it from. Bad arguments stop it before anything is written (exit 2), Ctrl-C after
# checkpointing the current run (run it again to resume); it exits 1 if a run failed.
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
check_out "$@"
out="${1:-}"; shift || true
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out=runs/sprig_minatar; fi
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
steps="${STEPS:-5e6}"
games="${GAMES:-breakout asterix freeway seaquest space_invaders}"
variants="${VARIANTS:-ppo_cnn ppo_attention sprig}"
check_seeds "${seeds[@]}"
check_steps STEPS "$steps"
check_choices GAMES "$games" breakout asterix freeway seaquest space_invaders
check_choices VARIANTS "$variants" $SPRIG_VARIANTS
# GEMM kernels: STACKELBERG_GEMM's (auto: libxsmm's AVX-512 kernels where the CPU has them; with AVX2 only, `mixed`: libxsmm
# for small right operands and OpenBLAS above, with whatever OPENBLAS_CORETYPE sets). Each run records its kernels; a resume under others is noted in its
# config and summary (docs/core.md, "Matrix products"). Keep one choice for a grid if its bits are to be reproduced.
run_one() {   # variant game seed
  local variant="$1" game="$2" seed="$3" coupling extra
  sprig_variant "$variant"
  run_locked "$out/$variant/minatar_$game/ppo-$coupling/seed$seed" "$variant $game seed $seed" \
    "$S" train --algo ppo --coupling "$coupling" --env "minatar/$game" --seeds "$seed" --steps "$steps" \
    --out "$out/$variant" "${quiet[@]}" --set env_frame_stack=2 --set checkpoint_interval=200000 "${extra[@]}"
}
grid() {   # every run, in order (run_grid checks them all, then trains them)
  for seed in "${seeds[@]}"; do
    for game in $games; do
      for variant in $variants; do run_one "$variant" "$game" "$seed"; done
    done
  done
}
run_grid grid
