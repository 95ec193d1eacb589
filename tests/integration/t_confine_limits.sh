#!/usr/bin/env bash
# t_confine_limits.sh: colony limits reach the colony cgroup (v2 files or v1 controllers, joined only for a limit set); an OOM kill is reported as oom; a fork bomb stays inside its colony.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_confine.sh"

# Every process forks for ever, so the count stays at the limit (a one-liner: exec turns \n into lines).
BOMB='exec("import os\nwhile True:\n try: os.fork()\n except OSError: pass")'
{
	supervisor_section
	cat <<EOT
[colony mem]
network = host
memory_max = 64M
[service mem/hog]
command = /usr/bin/python3 -c 'b = bytearray(400 * 1024 * 1024); b[::4096] = b"x" * len(b[::4096])'
restart = transient
restart_delay = 1h
[colony bomb]
network = host
pids_max = 32
cpu_max = 50%
cpu_weight = 50
memory_max = 1G
[service bomb/b]
command = /usr/bin/python3 -c '$BOMB'
shutdown = brutal_kill
[colony calm]
network = host
[service calm/s]
command = /bin/sleep 1000
EOT
} >"$CONF"
start_root
wait_for 10 all_running calm/s || { ctl status; die "calm did not start"; }
calm=$(host_pid calm/s)

# The limits, where this host keeps them.
if [ -d /sys/fs/cgroup/unified ]; then
	assert_eq "$(cat /sys/fs/cgroup/memory/"$CGNAME"/mem/memory.limit_in_bytes)" 67108864 "v1 memory limit"
	assert_eq "$(cat /sys/fs/cgroup/pids/"$CGNAME"/bomb/pids.max)" 32 "v1 pids.max"
	assert_eq "$(cat /sys/fs/cgroup/cpu/"$CGNAME"/bomb/cpu.cfs_quota_us)" 50000 "v1 cpu quota"
	assert_eq "$(cat /sys/fs/cgroup/cpu/"$CGNAME"/bomb/cpu.cfs_period_us)" 100000 "v1 cpu period"
	assert_eq "$(cat /sys/fs/cgroup/cpu/"$CGNAME"/bomb/cpu.shares)" 512 "v1 cpu.shares for cpu_weight 50"
	PIDS_CURRENT=/sys/fs/cgroup/pids/$CGNAME/bomb/pids.current
	# colonyd joins a v1 cgroup only for a controller the colony limits (each join costs an
	# RCU grace period); a service stays where its colonyd is.
	v1of() { grep -E "^[0-9]+:([a-z]+,)*$2(,[a-z]+)*:" "/proc/$1/cgroup" | cut -d: -f3; }
	for c in memory pids cpu; do
		assert_eq "$(v1of "$(pid_of bomb)" $c)" "/$CGNAME/bomb" "bomb's colonyd in v1 $c"
		assert_ne "$(v1of "$(pid_of calm)" $c)" "/$CGNAME/calm" "calm's colonyd (no limits) in v1 $c"
		assert_ne "$(v1of "$calm" $c)" "/$CGNAME/calm" "calm/s (no limits) in v1 $c"
	done
	assert_eq "$(v1of "$(pid_of mem)" memory)" "/$CGNAME/mem" "mem's colonyd in v1 memory"
	assert_ne "$(v1of "$(pid_of mem)" pids)" "/$CGNAME/mem" "mem's colonyd (no pids_max) in v1 pids"
	[ -d /sys/fs/cgroup/memory/"$CGNAME"/calm ] && die "a v1 memory cgroup was made for calm"
	# Its memory is then the resident set of its processes (colonyd and calm/s): above 1 MB.
	calm_mem=$(ctl metrics | awk '/^colony_memory_bytes\{colony="calm"\}/ { print $2 }')
	[ -n "$calm_mem" ] && [ "$calm_mem" -gt 1000000 ] || die "calm's memory: '$calm_mem'"
else
	assert_eq "$(cat /sys/fs/cgroup/"$CGNAME"/mem/memory.max)" 67108864 "memory.max"
	assert_eq "$(cat /sys/fs/cgroup/"$CGNAME"/bomb/pids.max)" 32 "pids.max"
	assert_eq "$(cat /sys/fs/cgroup/"$CGNAME"/bomb/cpu.max)" "50000 100000" "cpu.max"
	assert_eq "$(cat /sys/fs/cgroup/"$CGNAME"/bomb/cpu.weight)" 50 "cpu.weight"
	PIDS_CURRENT=/sys/fs/cgroup/$CGNAME/bomb/pids.current
fi

# 400 MB under memory_max = 64M: the kernel's OOM killer, reported as oom; abnormal, so a
# transient service is to be restarted (after its restart_delay: backoff).
oom_backoff() { [ "$(json_exit mem/hog)" = '{"reason":"oom"}' ] && [ "$(json_field mem/hog state)" = backoff ]; }
wait_for 20 oom_backoff || die "mem/hog: $(json_field mem/hog state) $(json_exit mem/hog)"

# The fork bomb fills its 32 pids and never more; the colony's own tasks count too.
bomb_full() { [ "$(cat "$PIDS_CURRENT")" -ge 30 ]; }
wait_for 20 bomb_full || die "the bomb never filled its pids: $(cat "$PIDS_CURRENT")"
max=0
for _ in $(seq 50); do
	n=$(cat "$PIDS_CURRENT")
	procs=$(cg_pids "$(cg_v2)/bomb" | wc -l)
	[ "$n" -gt "$max" ] && max=$n
	[ "$procs" -gt "$max" ] && max=$procs
	sleep 0.02
done
log "bomb: at most $max tasks"
[ "$max" -le 32 ] || die "the colony exceeded pids_max: $max"
assert_eq "$(host_pid calm/s)" "$calm" "the calm colony's service"
state_is calm running || die "calm is not running"
ctl stop bomb >/dev/null || die "cannot stop the bomb colony"
[ "$(cg_pids "$(cg_v2)/bomb" | wc -l)" = 0 ] || die "bomb processes survive the stop"
assert_eq "$(host_pid calm/s)" "$calm" "the calm colony's service after the stop"
exit 0
