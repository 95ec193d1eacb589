#!/usr/bin/env bash
# t_root_colony_level.sh: colonyd restarts a crashed service and keeps its pid; a colony over its intensity gives up and the root restarts it.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	colony_ini web "network = host"
	printf '[colony give]\nnetwork = host\nintensity = 1\nperiod = 60s\n'
	printf '[service give/s]\ncommand = %s/stamp\n' "$BUILD"
} >"$CONF"
start_root
wait_for 10 all_running web web/s give give/s || die "did not start: $(ctl status)"

# A crashing service: same colonyd, new service pid, one restart counted by colonyd.
cd_pid=$(pid_of web) svc=$(pid_of web/s)
kill -KILL "$svc"
wait_for 10 restarted web/s "$svc" || die "web/s not restarted: $(ctl status)"
assert_eq "$(pid_of web)" "$cd_pid" "colonyd kept its pid"
assert_eq "$(field web/s 5)" 1 "service restarts"
assert_eq "$(field web 5)" 0 "colony restarts"

# Over the colony's intensity (1 restart allowed): colonyd gives up (exit 3), the root restarts it.
gpid=$(pid_of give)
g1=$(pid_of give/s)
kill -KILL "$g1"
# The old pid, not "": status may still show the killed instance running for a moment.
wait_for 10 restarted give/s "$g1" || die "give/s not restarted"
kill -KILL "$(pid_of give/s)"
wait_for 10 restarted give "$gpid" || die "give was not restarted by the root: $(ctl status)"
assert_eq "$(field give 6)" "code=3" "colonyd gave up with status 3"
assert_eq "$(field give 5)" 1 "root restarts of give"
wait_for 10 state_is give/s running || die "give/s not running again"
assert_eq "$(pid_of web)" "$cd_pid" "web untouched"
stop_root || die "root exit status $?"
