#!/usr/bin/env bash
# A one-node Slurm on this machine, for `stackelberg sweep run --backend slurm` and its test:
# Debian's slurm-wlm (slurmctld, slurmd) with munge, started directly (containers have no systemd).
# Safe to run twice: it installs what is missing, rewrites the config, and (re)starts the daemons.
#   scripts/slurm/setup-single-node.sh          install, configure, start; then `sinfo` shows the node idle
#   scripts/slurm/setup-single-node.sh stop     stop the daemons it started
# Accounting is off (no slurmdbd): `sacct` has nothing to report, and `sweep status` reads squeue.
# The node runs jobs as root with proctrack/linuxproc (no cgroups in a container).
set -euo pipefail
conf_dir=/etc/slurm
state=/var/lib/slurm-sweep
pids=/run/slurm-sweep

stop() {
  for d in slurmd slurmctld; do
    if [ -f "$pids/$d.pid" ] && kill -0 "$(cat "$pids/$d.pid")" 2>/dev/null; then kill "$(cat "$pids/$d.pid")"; fi
  done
  sleep 1
}
if [ "${1:-}" = stop ]; then stop; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "error: run as root (apt-get and the daemons need it)" >&2; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || { echo "error: apt-get update failed: no package mirror is reachable from here" >&2; exit 1; }
  apt-get install -y -q slurm-wlm munge
fi

# munge: one key, its daemon as the munge user.
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key
if ! pgrep -u munge -x munged >/dev/null; then runuser -u munge -- /usr/sbin/munged; fi
munge -n | unmunge >/dev/null || { echo "error: munge does not authenticate (see /var/log/munge/munged.log)" >&2; exit 1; }

host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p "$conf_dir" "$state/ctld" "$state/d" "$pids" /var/log/slurm
cat > "$conf_dir/slurm.conf" <<CONF
# Written by scripts/slurm/setup-single-node.sh: one node, $host, for sweep tests.
ClusterName=stackelberg
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$pids/slurmctld.pid
SlurmdPidFile=$pids/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobRequeue=1
ReturnToService=2
KillWait=30
SchedulerParameters=defer=0
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
# slurmd 22.05 always loads a cgroup plugin (CgroupPlugin=disabled came in 23.02): without a
# cgroup.conf it autodetects the container's cgroup v1 mounts, which works; a leftover one may not.
rm -f "$conf_dir/cgroup.conf"

stop
/usr/sbin/slurmctld -i
/usr/sbin/slurmd
for _ in $(seq 1 60); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "slurm is up on $host ($cpus CPUs, ${mem} MB):"; sinfo; exit 0
  fi
  scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
  sleep 1
done
echo "error: the node did not come up; see /var/log/slurm/slurmctld.log and /var/log/slurm/slurmd.log:" >&2
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2
exit 1
