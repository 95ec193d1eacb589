#!/usr/bin/env bash
# t_ops_exec.sh: colonyctl exec runs inside the colony's network namespace and cgroup, passes the exit status through, and cleans its leaf up; unknown and stopped colonies.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	colony_ini x "network = private" "memory_max = 1G"
	colony_ini off "network = private" "autostart = no"
} >"$CONF"
start_root
wait_for 10 all_running x x/s || die "did not start: $(ctl status)"
colonyd=$(pid_of x)

# The colony's netns: only lo, the same namespace as its colonyd, not the host's.
assert_eq "$(ctl exec x -- ip -o link show | awk -F': ' '{ print $2 }' | tr '\n' ' ')" "lo " "links seen by exec"
inside=$(ctl exec x -- readlink /proc/self/ns/net)
assert_eq "$inside" "$(readlink /proc/"$colonyd"/ns/net)" "exec's netns is colonyd's"
assert_ne "$inside" "$(readlink /proc/self/ns/net)" "exec's netns is not the host's"
# Its cgroup: a leaf of the colony, removed once the command is done.
cg=$(ctl exec x -- sh -c 'grep "^0::" /proc/self/cgroup')
assert_eq "$cg" "0::/$CGNAME/x/_exec" "exec's v2 cgroup"
[ -d "$(cg_v2)/x/_exec" ] && die "the _exec leaf was left behind"
# On a hybrid host the v1 memory hierarchy (the colony's memory_max) is joined too, and not
# the pids one (no pids_max).
if [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/unified ]; then
	assert_eq "$(ctl exec x -- sh -c 'grep ":memory:" /proc/self/cgroup | cut -d: -f3')" "/$CGNAME/x/_exec" "v1 memory cgroup"
	assert_ne "$(ctl exec x -- sh -c 'grep ":pids:" /proc/self/cgroup | cut -d: -f3')" "/$CGNAME/x/_exec" "v1 pids cgroup"
fi
# stdin, stdout and the exit status pass through.
assert_eq "$(echo hello | ctl exec x -- cat)" hello "stdin/stdout"
rc=0; ctl exec x -- sh -c 'exit 42' || rc=$?
assert_eq "$rc" 42 "exit status"
rc=0; ctl exec x -- sh -c 'kill -TERM $$' || rc=$?
assert_eq "$rc" 143 "killed by a signal: 128 + 15"

rc=0; ctl exec nope -- true 2>/dev/null || rc=$?
assert_eq "$rc" 4 "unknown colony"
rc=0; err=$(ctl exec off -- true 2>&1) || rc=$?
assert_eq "$rc" 3 "stopped colony"
grep -q "not running" <<<"$err" || die "message for a stopped colony: $err"
rc=0; ctl exec x true 2>/dev/null || rc=$?
assert_eq "$rc" 2 "usage without --"
state_is x/s running || die "exec disturbed the colony"
stop_root || die "root exit status $?"
