#!/usr/bin/env bash
# t_fault_pids.sh: clone3 fails with EAGAIN at the colony's pids_max: the service's spawn fails and is reported, colonyd and its other services run on, and the spawn works once there is room.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

# pids_max = 3: colonyd, s and hog; the third service finds no pid left.
{
	supervisor_section
	colony_ini other "network = host"
	printf '[colony full]\nnetwork = host\npids_max = 3\nintensity = 1000\nperiod = 1s\n'
	printf '[service full/s]\ncommand = %s/stamp\n' "$BUILD"
	printf '[service full/hog]\ncommand = %s/stamp\n' "$BUILD"
	printf '[service full/late]\ncommand = %s/stamp\nrestart = temporary\n' "$BUILD"
} >"$CONF"
start_root
wait_for 30 all_running other other/s full full/s full/hog || die "did not start: $(ctl status)"
wait_for 30 eval '[ "$(field full/late 2)" = failed ] || [ "$(field full/late 2)" = exited ] || [ "$(field full/late 2)" = stopped ]' || die "full/late is $(field full/late 2)"
wait_for 20 grep -q "full/late.*clone.*Resource temporarily unavailable" "$T/root.out" || die "no clone failure reported: $(cat "$T/root.out")"
assert_eq "$(field full/late 6)" "setup" "last exit of full/late"
assert_eq "$(cat /sys/fs/cgroup/pids/$CGNAME/full/pids.max)" 3 "pids.max"
cd_pid=$(pid_of full) before=$(colony_pids | grep -v '^full/late')
fds=$(root_fds)
kill -0 "$cd_pid" || die "colonyd died"
# Still answering service commands; with room again the spawn works.
ctl stop full/hog || die "stop hog failed"
wait_for 20 state_is full/hog stopped || die "hog did not stop"
ctl start full/late || die "late did not start: $(ctl status full)"
wait_for 20 state_is full/late running || die "late not running: $(ctl status full)"
assert_eq "$(pid_of full)" "$cd_pid" "colonyd restarted"
assert_eq "$(colony_pids | grep -v '^full/late\|^full/hog')" "$(grep -v '^full/hog' <<<"$before")" "others touched"
fds_settle "$fds"
stop_clean
exit 0
