# Sourced by every experiment script once it has recorded where it was called from (caller_dir) and
# moved to the repository root: argument checks, the CLI, one run taken under a lock, the grid's two
# passes, and SPRIG's variants. A bad argument stops the script before anything is written (exit 2), and
# so does a run train would refuse (another budget than the run already there, a refused setting):
# run_grid checks every run of the grid with `train --dry-run` before the first trains. Ctrl-C or SIGTERM,
# to the terminal's process group or to the script alone, is passed to the run, and once the run has
# checkpointed and exited the script stops with its code (130, 143; running the script again resumes it).
# (A script started with `&` by another script starts with SIGINT ignored, as any such command does: send
# it SIGTERM, or start it with `env --default-signal=INT`.) A run that fails is logged, the grid goes on,
# and the script then exits 1 (grid_finish).

# die MESSAGE: says what is wrong and how to fix it, and stops the script.
die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# check_out "$@": an OUT given but empty ("$OUT" with OUT unset) is refused; read as no OUT, it trained
# into the grid's committed directory under runs/.
check_out() {
  if [ $# -ge 1 ] && [ -z "$1" ]; then
    die "OUT is empty (an unset shell variable?): give an output directory, or no arguments for the grid's own directory under runs/"
  fi
  # `script.sh 0 1` meant seeds 0 and 1, and trained seed 1 into ./0.
  case "${1:-}" in
    *[!0-9]*|'') ;;
    *) die "OUT '$1' is a number: the first argument is the output directory, then the seeds (for a directory of that name, write ./$1)" ;;
  esac
}

# from_caller PATH: PATH as the user meant it, relative to the directory the script was called from.
from_caller() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "${caller_dir:?}/$1" ;; esac; }

# check_seeds SEED...: each a whole number (a range like 0..2 would put several seeds under one lock).
check_seeds() {
  local s
  for s in "$@"; do
    case "$s" in ''|*[!0-9]*) die "seed '$s' is not a whole number: give seeds as separate arguments, e.g. 0 1 2" ;; esac
    # train writes seed 007 to seed7: the script's own seed007 paths and locks would not be its run's.
    case "$s" in 0?*) die "seed '$s' has a leading zero: write it as $((10#${s:0:18}))" ;; esac
    # The largest seed train takes is 2^63 - 1 (runs record a seed as a signed 64-bit number).
    if [ ${#s} -gt 19 ] || { [ ${#s} -eq 19 ] && [[ "$s" > 9223372036854775807 ]]; }; then
      die "seed '$s' is above the largest seed, 9223372036854775807"
    fi
  done
}

# check_steps NAME VALUE: a whole positive number of environment steps up to 1e15, as train reads it
# (4e5, 400000); a fraction was rounded here and refused by train, and 1e19 overflowed the shell's test.
check_steps() {
  [[ "$2" =~ ^[0-9]+(\.[0-9]+)?([eE][+]?[0-9]+)?$ ]] && awk -v x="$2" 'BEGIN { exit !(x >= 1 && x <= 1e15 && x == int(x)) }' \
    || die "$1=$2 is not a whole number of environment steps from 1 to 1e15 (e.g. 4e5 or 400000)"
}

# check_numbers NAME "VALUES": each a plain non-negative number (0.3, 1e-4), each value once.
check_numbers() {
  local v seen=" "
  # Only blanks trained nothing and exited 0, without a word.
  [ -n "${2// /}" ] || die "$1 is empty: give one or more numbers (e.g. 0.3 or 1e-4)"
  for v in $2; do
    # A negative value is a number, just not one these settings take: said as such.
    [[ "$v" =~ ^-[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] && die "$1: '$v' is negative: give numbers ≥ 0 (e.g. 0.3 or 1e-4)"
    [[ "$v" =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] || die "$1: '$v' is not a number (e.g. 0.3 or 1e-4)"
    # 1 and 1.0 (1e-4 and 0.0001) are one setting under two directory names: it would train twice.
    local n; n="$(awk -v x="$v" 'BEGIN { printf "%.17g", x }')"
    case "$seen" in *" $n "*) die "$1 lists the value $v twice (under two spellings): list each once" ;; esac
    seen="$seen$n "
  done
}

# check_choices NAME "VALUES" VALID...: each of VALUES one of VALID.
check_choices() {
  local name="$1" values="$2" v c ok; shift 2
  [ -n "${values// /}" ] || die "$name is empty: give one or more of: $*"
  for v in $values; do
    ok=0
    for c in "$@"; do [ "$v" = "$c" ] && ok=1; done
    [ $ok = 1 ] || die "$name: '$v' is not one of: $*"
  done
}

if [ -n "${STACKELBERG_CLI:-}" ]; then
  S="$(from_caller "$STACKELBERG_CLI")"
  [ -f "$S" ] && [ -x "$S" ] || die "STACKELBERG_CLI=$STACKELBERG_CLI is not an executable file: point it at a stackelberg build (swift build -c release --product stackelberg writes .build/release/stackelberg), or unset it to use that one"
  export STACKELBERG_CLI="$S"   # absolute, for the scripts this one calls (sprig-queue.sh)
else
  S=.build/release/stackelberg
  [ -x "$S" ] || swift build -c release --product stackelberg || die "the release build failed; fix it, or set STACKELBERG_CLI to a built stackelberg"
fi

# Each run's progress line where someone watches (standard error a terminal); none in a log.
quiet=(); [ -t 2 ] || quiet=(--quiet)

# requested_steps ARGS...: the value after --steps among a train command's arguments, as a whole number.
requested_steps() {
  while [ $# -gt 0 ]; do
    if [ "$1" = --steps ] && [ $# -gt 1 ]; then printf '%.0f\n' "$2"; return; fi
    shift
  done
}

# check_same_steps DIR ARGS...: a run that exists (finished or checkpointed) was started with the
# total_steps this command asks for; else the grid would mix budgets (or its resume be refused). A script
# whose budgets come from several variables sets steps_variable to the one behind this run.
check_same_steps() {
  local dir="$1"; shift
  [ -f "$dir/config.toml" ] || return 0
  # A run with neither (stopped before its first checkpoint) is started over, at any budget.
  [ -f "$dir/checkpoint.state" ] || [ -f "$dir/summary.json" ] || return 0
  local want had
  want="$(requested_steps "$@")"
  had="$(sed -n 's/^total_steps = \([0-9]*\).*/\1/p' "$dir/config.toml" | head -1)"
  [ -z "$want" ] || [ -z "$had" ] || [ "$want" = "$had" ] \
    || die "$dir was started with total_steps = $had, and this grid asks for $want: keep its budget (${steps_variable:-STEPS}=$had), or give another OUT"
}

grid_failures=0
grid_elsewhere=0

# finished DIR: DIR's run has finished, i.e. it has a summary.json that was written whole (train
# writes it last). A cut-short one (a full disk, a copy stopped halfway) does not count: the run is
# resumed, and `train --resume` rewrites the summary from the final checkpoint, as `sweep status` says.
finished() {
  local f="$1/summary.json"
  [ -s "$f" ] && [ "$(tr -d '[:space:]' < "$f" | tail -c 1)" = "}" ]
}

# run_waited COMMAND...: runs COMMAND in the background and waits for it, passing on a stop signal
# (SIGINT, SIGTERM) that reaches this script, so that the script stops only once COMMAND has (a run
# checkpoints first); returns COMMAND's exit status. Run in the foreground, a SIGTERM sent to the script
# alone (kill PID, a scheduler) killed it at once and left its run training on, unwatched, with the run's
# lock (the script run again skipped it as taken), and a SIGINT was ignored. (Ctrl-C at a terminal reaches
# COMMAND as well; train counts the two as one.) A command put in the background by a script starts with
# SIGINT ignored; `env --default-signal` gives it back.
# The traps are set before COMMAND starts: set after it, a signal in between (COMMAND already running,
# the test's stand-in had written its start) killed the script and left COMMAND running, unwatched. A
# signal that comes before COMMAND's PID is known is held and sent once it is.
run_waited() {
  local pid="" held="" rc
  trap 'if [ -n "$pid" ]; then kill -INT "$pid" 2>/dev/null; else held=INT; fi' INT
  trap 'if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; else held=TERM; fi' TERM
  env --default-signal=INT "$@" &
  pid=$!
  [ -z "$held" ] || kill -"$held" "$pid" 2>/dev/null
  while :; do
    wait "$pid"; rc=$?
    # A trapped signal ends `wait` early (128 + its number) while COMMAND is still stopping.
    if [ $rc -gt 128 ] && kill -0 "$pid" 2>/dev/null; then continue; fi
    break
  done
  trap - INT TERM
  return $rc
}

# run_locked DIR LABEL COMMAND...: runs COMMAND (one seed of `stackelberg train`) unless DIR has
# finished; with --resume when DIR holds a checkpoint (bit-exact); under DIR.lock, so several copies
# of a script (one per core) share a grid and never take the same run. In run_grid's check pass it
# only checks the run: its budget against DIR's, and COMMAND with --dry-run (train's own checks, which
# write nothing), stopping the script (exit 2) on a refusal.
run_locked() {
  local dir="$1" label="$2"; shift 2
  check_same_steps "$dir" "$@"
  if [ "${grid_pass:-train}" = check ]; then
    finished "$dir" && return 0
    # A lock that cannot be opened read the same as one another worker holds: the run was skipped, exit 0.
    if [ -e "$dir.lock" ] && { [ ! -f "$dir.lock" ] || [ ! -w "$dir.lock" ]; }; then
      die "$label: $dir.lock is not a writable file (the lock a worker takes on the run): remove it (no worker holds a directory), or give another OUT"
    fi
    # Another copy of the script trains it now (it holds DIR.lock): its run, not this copy's, to check.
    if [ -e "$dir.lock" ] && ! flock -n -s "$dir.lock" true; then return 0; fi
    local resume=() said
    [ -f "$dir/checkpoint.state" ] && resume=(--resume)
    # Its notes are said again when the run trains; only a refusal is said here.
    if ! said="$("$@" "${resume[@]}" --dry-run 2>&1 >/dev/null)"; then
      printf '%s\n' "$said" >&2
      # The command shows which of the script's variables became which of train's arguments (STEPS is --steps).
      die "$label: train refuses this run (the error above), so no run was started: fix what it names (the script's variables, a setting, OUT, or the run directory $dir). The command: $*"
    fi
    return 0
  fi
  if finished "$dir"; then echo "$(date -u +%FT%TZ) $label: finished, skipped"; return 0; fi
  mkdir -p "$(dirname "$dir")"
  exec 9>"$dir.lock" || die "$label: cannot open the run's lock $dir.lock: remove what is there, or give another OUT"
  if ! flock -n 9; then
    exec 9>&-
    echo "$(date -u +%FT%TZ) $label: taken by another worker (a process holds $dir.lock), skipped"
    grid_elsewhere=$((grid_elsewhere + 1))
    return 0
  fi
  # Re-checked under the lock: the worker that held it may have finished the run meanwhile.
  if finished "$dir"; then exec 9>&-; return 0; fi
  local resume=(); [ -f "$dir/checkpoint.state" ] && resume=(--resume)
  echo "$(date -u +%FT%TZ) $label ${resume[*]}"
  local rc
  run_waited "$@" "${resume[@]}"; rc=$?
  exec 9>&-
  case $rc in
    0) ;;
    130|143) echo "$(date -u +%FT%TZ) stopped: $label (checkpointed; run this script again to resume)"; exit $rc ;;
    # Settings refused as the agent was built (the check pass's dry run builds none): every run of the
    # kind would be refused the same way.
    78) die "$label: train refused its settings (the error above): fix what it names, and run the script again" ;;
    *) echo "$(date -u +%FT%TZ) FAILED: $label (exit $rc)"; grid_failures=$((grid_failures + 1)) ;;
  esac
}

# run_grid FUNCTION: FUNCTION (the script's loop over its runs, each through run_locked) twice: a check
# pass over every run, then the training. A refused budget or setting of the grid's last run stops the
# script before its first run trains, not hours later. Then the script's exit (grid_finish). With
# CHECK_ONLY=1 only the check pass (exit 0 when every run passes): a queue of scripts checks them all
# before the first trains.
run_grid() {
  grid_pass=check "$1"
  [ "${CHECK_ONLY:-0}" = 1 ] && exit 0
  grid_pass=train "$1"
  grid_finish
}

# grid_finish: the script's exit, 1 when some run failed.
grid_finish() {
  if [ "$grid_elsewhere" -gt 0 ]; then
    echo "$(basename "$0"): $grid_elsewhere run(s) left to the worker that holds their lock (the 'taken' lines above): run this script again once it has finished, to check" >&2
  fi
  if [ "$grid_failures" -gt 0 ]; then
    echo "$(basename "$0"): $grid_failures run(s) failed (the FAILED lines above)" >&2
    exit 1
  fi
  exit 0
}

SPRIG_VARIANTS="ppo_cnn ppo_attention sprig sprig_logprob"

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
    *) die "unknown SPRIG variant '$1': the variants are $SPRIG_VARIANTS" ;;
  esac
}
