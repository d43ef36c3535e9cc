#!/usr/bin/env bash
# Four ablations of the STAC MuJoCo grid (scripts/experiments/stac-mujoco.sh), each asking what drives a
# result where a Stackelberg variant ended below its base (the first two: seed 0 on HalfCheetah):
#
#   constant-lambda  the actor leaders (STSAC-AL, STDDPG-AL) with λ held at 500
#                    (`stackelberg.lambda_time_constant = 0`) instead of 500·exp(−t/1e5). In the grid
#                    the implicit correction outgrew the actor's own gradient as λ decayed (from 49k
#                    steps in STSAC-AL), and STSAC-AL's critic loss exploded at 155k (λ ≈ 107).
#                    Output: runs/stac_lambda.
#   plain-cg         the critic leaders (STSAC-CL, STDDPG-CL) with the public code's plain CG, which
#                    steps through directions of negative curvature (`stackelberg.cg_negative_curvature
#                    = continue`) instead of stopping there. In the grid CG met negative curvature in
#                    24% of STSAC-CL's updates at 100k steps and 98% at 350k. Output: runs/stac_plain_cg.
#   cadence          DDPG and STDDPG-AL on Hopper with SpinningUp's first round (`first_updates = cadence`:
#                    50 updates at step 1,000, then 50 every 50 steps, as the STAC code) instead of the
#                    grid's 1,000 updates at once on the random-action data (`catch_up`). In the grid
#                    STDDPG-AL's actor saturated for good on both Hopper seeds (from 18k and 2–7k steps);
#                    with the cadence neither seed did over its first 20–30k steps. Output: runs/stac_cadence.
#   cadence-lambda   STDDPG-AL on Hopper with the cadence and λ held at 500: the cadence runs with one more
#                    setting changed, read against them. Under the cadence seed 2's actor did not collapse but
#                    drifted from 56% to 99% saturated as λ decayed (143 → 12) and the correction grew to 3.4
#                    times the actor's own gradient; this asks whether a held λ stops that drift.
#                    Output: runs/stac_cadence_lambda.
#
#   scripts/experiments/stac-ablation.sh constant-lambda|plain-cg|cadence|cadence-lambda [OUT] [SEEDS...]   (default seeds: 0)
# Environment: STEPS (default 4e5), TASKS (default halfcheetah; cadence, cadence-lambda: hopper), ALGOS
# (default "sac ddpg"; cadence, cadence-lambda: ddpg),
# STACKELBERG_CLI (default .build/release/stackelberg). OUT and STACKELBERG_CLI are relative to where
# you call it from. Resumes what a stopped session left, one run at a time under a lock, like the
# grid's script; bad arguments stop it before anything is written (exit 2), Ctrl-C after checkpointing
# the current run, and it exits 1 if a run failed.
set -uo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/../.."
source scripts/experiments/common.sh
# The runs keep the grid's first round (catch_up), as the grid they are compared with; the cadence
# ablations change it.
first=catch_up; default_tasks=halfcheetah; default_algos="sac ddpg"
case "${1:-}" in
  constant-lambda) couplings=actor-leader; setting=(--set stackelberg.lambda_time_constant=0); default_out=runs/stac_lambda ;;
  plain-cg) couplings=critic-leader; setting=(--set stackelberg.cg_negative_curvature=continue); default_out=runs/stac_plain_cg ;;
  cadence) couplings="individual actor-leader"; setting=(); first=cadence; default_out=runs/stac_cadence
           default_tasks=hopper; default_algos=ddpg ;;
  cadence-lambda) couplings=actor-leader; setting=(--set stackelberg.lambda_time_constant=0); first=cadence
           default_out=runs/stac_cadence_lambda; default_tasks=hopper; default_algos=ddpg ;;
  *) die "usage: $0 constant-lambda|plain-cg|cadence|cadence-lambda [OUT] [SEEDS...]" ;;
esac
name="$1"; shift
check_out "$@"
out="${1:-}"; shift || true
if [ -n "$out" ]; then out="$(from_caller "$out")"; else out="$default_out"; fi
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(0)
steps="${STEPS:-4e5}"; tasks="${TASKS:-$default_tasks}"; algos="${ALGOS:-$default_algos}"
check_seeds "${seeds[@]}"
check_steps STEPS "$steps"
check_choices TASKS "$tasks" halfcheetah hopper walker2d swimmer reacher inverted_pendulum inverted_double_pendulum
check_choices ALGOS "$algos" sac ddpg
grid() {   # every run, in order (run_grid checks them all, then trains them)
  for seed in "${seeds[@]}"; do
    for task in $tasks; do
      for algo in $algos; do
        for coupling in $couplings; do
          run_locked "$out/mujoco_$task/$algo-$coupling/seed$seed" "$task $algo $coupling $name seed $seed steps $steps" \
            "$S" train --algo "$algo" --coupling "$coupling" --env "mujoco/$task" --seeds "$seed" --steps "$steps" --out "$out" \
            "${quiet[@]}" --set checkpoint_interval=10000 "${setting[@]}" --set first_updates="$first"
        done
      done
    done
  done
}
run_grid grid
