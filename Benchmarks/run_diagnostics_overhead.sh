#!/usr/bin/env bash
# The game diagnostics' cost at their default interval (diagnostics.interval per algorithm,
# Sources/Training/DiagnosticsSettings.swift): each case is trained twice from the same seed, without
# and with `--set diagnostics.enabled=true`, one after the other on this machine, and the ratio of
# wall times is printed (the target: at most 1.10). The steps are chosen so that each run with
# diagnostics holds at least five of them. Both runs of a case share the machine's load, so compare
# ratios, not times.
#   Benchmarks/run_diagnostics_overhead.sh [CASE...]   (default: every case)
# Environment: STACKELBERG_CLI (default .build/release/stackelberg).
set -euo pipefail
cd "$(dirname "$0")/.."
S="${STACKELBERG_CLI:-.build/release/stackelberg}"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
declare -A CASES=(
  [dqn_scorer_minatar]="--algo dqn --coupling scorer --env minatar/breakout --steps 1e6"
  [dqn_cartpole]="--algo dqn --coupling monolithic --env cartpole --steps 1e5"
  [pqn_minatar]="--algo pqn --coupling scorer --env minatar/breakout --steps 1e6"
  [pqn_cartpole]="--algo pqn --coupling monolithic --env cartpole --steps 5e5"
  [ppo_minatar]="--algo ppo --coupling monolithic --env minatar/breakout --steps 1e6"
  [ppo_cartpole]="--algo ppo --coupling blpo --env cartpole --steps 5e5"
  [sac_halfcheetah]="--algo sac --coupling individual --env mujoco/halfcheetah --steps 12000 --set random_steps=1000 --set update_after=1000"
  [ac_stac_cartpole]="--algo ac --coupling actor-leader --env cartpole --steps 3e6"
)
cases=("$@"); [ ${#cases[@]} -eq 0 ] && cases=(dqn_scorer_minatar dqn_cartpole pqn_minatar pqn_cartpole ppo_minatar ppo_cartpole ac_stac_cartpole sac_halfcheetah)
printf "%-22s %10s %10s %8s %12s\n" case off_s on_s ratio diagnostics
for c in "${cases[@]}"; do
  args=(${CASES[$c]})
  t0=$(date +%s.%N); "$S" train "${args[@]}" --seeds 0 --out "$out/off_$c" --quiet --set eval_interval=100000000 --set tensorboard=false > /dev/null
  t1=$(date +%s.%N); "$S" train "${args[@]}" --seeds 0 --out "$out/on_$c" --quiet --set eval_interval=100000000 --set tensorboard=false --set diagnostics.enabled=true > /dev/null
  t2=$(date +%s.%N)
  n=$(python3 -c "
import csv,glob
f=glob.glob('$out/on_$c/*/*/seed0/updates.csv')[0]
print(sum(1 for r in csv.DictReader(open(f)) if r['game_rotation']!='nan'))")
  python3 -c "a=$t1-$t0; b=$t2-$t1; print(f'%-22s %10.1f %10.1f %8.3f %12s' % ('$c', a, b, b/a, '$n'))"
done
