#!/usr/bin/env bash
# Measures this machine's training speed (environment steps per second of one `stackelberg train`
# process on one core) for the algorithm-couplings and environments of configs/sweeps/, and writes
# the table `stackelberg sweep plan` prices plans with (default configs/sweeps/speed.toml).
#
# Each case trains one seed twice from scratch, to N and to 2N steps (N past the warm-up: DQN's
# random steps, SAC's and DDPG's 10,000, one PPO rollout), and takes the marginal rate
# N / (t(2N) − t(N)) from the runs' own train_seconds (summary.json: the training loop's wall time),
# so start-up, warm-up and the final evaluation do not count. Evaluation is off during training
# (eval_interval past the run), checkpoints at the run's end only, no TensorBoard files.
# Runs one case at a time; whatever else loads the machine slows it down (say so with the table).
#   scripts/sweeps/measure-speed.sh [OUT.toml]        (default configs/sweeps/speed.toml)
# Environment: STACKELBERG_CLI (default .build/release/stackelberg), CASES (a subset, "algo-coupling|env|N" words).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-configs/sweeps/speed.toml}"
S="${STACKELBERG_CLI:-.build/release/stackelberg}"
[ -x "$S" ] || swift build -c release --product stackelberg
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
default_cases="
dqn-monolithic|minatar/breakout-minimal|300000
dqn-scorer|minatar/breakout-minimal|300000
ddqn-scorer|minatar/breakout-minimal|300000
dueling-scorer|minatar/breakout-minimal|300000
pqn-monolithic|minatar/breakout-minimal|300000
pqn-scorer|minatar/breakout-minimal|300000
ac-individual|cartpole|16000
ac-actor-leader|cartpole|16000
ppo-monolithic|cartpole|8192
ppo-nested|cartpole|8192
ppo-blpo|cartpole|8192
ppo-monolithic|mujoco/hopper|20480
ppo-blpo|mujoco/hopper|20480
ppo-monolithic|atari/beam_rider|4096
ppo-sprig|atari/beam_rider|4096
sac-individual|mujoco/hopper|11000
sac-actor-leader|mujoco/hopper|11000
"
cases="${CASES:-$default_cases}"
seconds() {   # pair env steps → the training loop's seconds
  local algo="${1%%-*}" coupling="${1#*-}" dir="$work/$RANDOM$RANDOM"
  "$S" train --algo "$algo" --coupling "$coupling" --env "$2" --steps "$3" --seeds 0 --out "$dir" --quiet --jobs 1 \
    --set eval_interval=1000000000 --set checkpoint_interval=1000000000 --set tensorboard=false --set eval_episodes=1 >/dev/null 2>&1
  grep '"train_seconds"' "$dir"/*/*/seed0/summary.json | grep -o '[0-9.e+-]*' | tail -n 1
}
declare -A rates
for c in $cases; do
  IFS='|' read -r pair env n <<< "$c"
  t1=$(seconds "$pair" "$env" "$n"); t2=$(seconds "$pair" "$env" $((2 * n)))
  r=$(python3 -c "print(f'{$n / max($t2 - $t1, 1e-6):.1f}')")
  echo "$pair $env: ${n} steps in ${t1} s, ${n} more in $(python3 -c "print(f'{$t2 - $t1:.2f}')") s: $r steps/s" >&2
  rates[$pair]+="\"$env\" = $r"$'\n'
done
{
  echo "# Written by scripts/sweeps/measure-speed.sh; read by \`stackelberg sweep plan\` for its cost estimate."
  echo "measured = \"$(date -u +%F) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at the end: one train process at a time, marginal rate between N and 2N steps (train_seconds), $(basename "$S") $("$S" --version 2>/dev/null || true)\""
  for pair in $(printf '%s\n' "${!rates[@]}" | sort); do
    echo; echo "[rates.\"$pair\"]"; printf '%s' "${rates[$pair]}"
  done
} > "$out"
echo "wrote $out" >&2
