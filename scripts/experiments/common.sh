# Sourced by the experiment scripts that share a grid between workers: the CLI, one run taken under
# a lock, and SPRIG's three variants. Expects to be sourced from the repository root.

S="${STACKELBERG_CLI:-.build/release/stackelberg}"
[ -x "$S" ] || swift build -c release --product stackelberg

# run_locked DIR LABEL COMMAND...: runs COMMAND (one seed of `stackelberg train`) unless DIR has
# finished; with --resume when DIR holds a checkpoint (bit-exact); under DIR.lock, so several copies
# of a script (one per core) share a grid and never take the same run. A failed run is logged and
# the grid goes on.
run_locked() {
  local dir="$1" label="$2"; shift 2
  [ -f "$dir/summary.json" ] && return 0
  mkdir -p "$(dirname "$dir")"
  exec 9>"$dir.lock"
  if ! flock -n 9; then exec 9>&-; return 0; fi
  local resume=(); [ -f "$dir/checkpoint.state" ] && resume=(--resume)
  echo "$(date -u +%FT%TZ) $label ${resume[*]}"
  "$@" "${resume[@]}" || echo "$(date -u +%FT%TZ) FAILED: $label"
  exec 9>&-
}

# sprig_variant NAME: sets `coupling` and `extra` (train arguments) for SPRIG's comparison:
#   ppo_cnn        PPO with the family's standard network (MinAtar's CNN, the Nature CNN)
#   ppo_attention  PPO with SPRIG's perception module trained end to end
#   sprig          the sprig coupling (the leader's policy term PPO's clipped surrogate, the default)
#   sprig_logprob  the sprig coupling with the paper's literal leader term mean log π·Â
#                  (sprig.leader_policy_term = log_prob; not in the scripts' default VARIANTS)
sprig_variant() {
  coupling=monolithic; extra=()
  case "$1" in
    ppo_cnn) ;;
    ppo_attention) extra=(--set network.layout=attention) ;;
    sprig) coupling=sprig ;;
    sprig_logprob) coupling=sprig; extra=(--set sprig.leader_policy_term=log_prob) ;;
    *) echo "unknown variant $1" >&2; return 1 ;;
  esac
}
