#!/usr/bin/env bash
# SPRIG (arXiv 2502.14264) on Atari BeamRider, result 2 of its issue: the paper reports SPRIG ≈ 850
# against PPO ≈ 650 at 1e7 steps (5 seeds) and faster learning over the first 2e6 steps; CleanRL's
# ppo_atari.py reaches ≈ 1,916 at 1e7. This machine runs the early-learning part: 2 seeds × 2e6
# steps of SPRIG, PPO with the same perception module (end to end) and PPO with the Nature CNN, at
# the registry's Atari settings (CleanRL's ppo_atari.py: 8 copies × 128 steps, 4 epochs of 4
# minibatches, Adam 2.5e-4 annealed, clip 0.1, sign-clipped rewards, frames stacked 4, SB3's
# episodic life and fire reset with whole games logged; ALE v5
# with sticky actions 0.25). The learning rates anneal over ANNEAL_STEPS (default 1e7, the paper's
# and CleanRL's run), not over STEPS: a 2e6-step run is then the first 2e6 steps of a 1e7-step run,
# which is what the paper's early-learning comparison looks at (annealed over 2e6 instead, the rate
# is already halved at 1e6). Run-level order and locking as in sprig-minatar.sh; resumable.
#   scripts/experiments/sprig-beamrider.sh [OUT] [SEEDS...]   (default: runs/sprig_beamrider 0 1)
# Environment: STEPS (default 2e6), ANNEAL_STEPS (default 1e7; at least STEPS), VARIANTS (default
# "ppo_cnn ppo_attention sprig"), STACKELBERG_CLI.
# OUT and STACKELBERG_CLI are relative to where you call it from; bad arguments stop it before
# anything is written (exit 2), Ctrl-C after checkpointing the current run; it exits 1 if a run failed.
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
check_out "$@"
out="${1:-}"; shift || true
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out=runs/sprig_beamrider; fi
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0 1)
steps="${STEPS:-2e6}"; anneal="${ANNEAL_STEPS:-1e7}"
variants="${VARIANTS:-ppo_cnn ppo_attention sprig}"
check_seeds "${seeds[@]}"
check_steps STEPS "$steps"
check_steps ANNEAL_STEPS "$anneal"
awk -v v="$anneal" 'BEGIN { exit !(v == int(v)) }' || die "ANNEAL_STEPS=$anneal is not a whole number of environment steps (e.g. 1e7)"
[ "$(printf '%.0f' "$anneal")" -ge "$(printf '%.0f' "$steps")" ] \
  || die "ANNEAL_STEPS=$anneal is less than STEPS=$steps: the learning rates would reach 0 before the end; set ANNEAL_STEPS ≥ STEPS"
check_choices VARIANTS "$variants" $SPRIG_VARIANTS
# GEMM kernels: STACKELBERG_GEMM's (auto: libxsmm's AVX-512 kernels where the CPU has them; with AVX2 only, `mixed`: libxsmm
# for small right operands and OpenBLAS above, with whatever OPENBLAS_CORETYPE sets). Each run records its kernels; a resume under others is noted in its
# config and summary (docs/core.md, "Matrix products"). Keep one choice for a grid if its bits are to be reproduced.
run_one() {   # variant seed
  local variant="$1" seed="$2" coupling extra
  sprig_variant "$variant"
  run_locked "$out/$variant/atari_beam_rider/ppo-$coupling/seed$seed" "$variant beam_rider seed $seed" \
    "$S" train --algo ppo --coupling "$coupling" --env atari/beam_rider --seeds "$seed" --steps "$steps" \
    --out "$out/$variant" "${quiet[@]}" --set checkpoint_interval=20000 --set eval_interval=500000 --set anneal_steps="$anneal" "${extra[@]}"
}
grid() {   # every run, in order (run_grid checks them all, then trains them)
  for seed in "${seeds[@]}"; do
    for variant in $variants; do run_one "$variant" "$seed"; done
  done
}
run_grid grid
