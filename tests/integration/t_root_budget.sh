#!/usr/bin/env bash
# t_root_budget.sh: a looping colony ends `failed` after the root budget while the others keep their pids; start gives a fresh budget.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section "intensity = 2" "period = 60s"
	colony_ini ok1 "network = host"
	# intensity 0: the first crash of its service makes colonyd give up (exit 3).
	printf '[colony loop]\nnetwork = host\nintensity = 0\n[service loop/s]\ncommand = /bin/sh -c "exit 1"\n'
	colony_ini ok2 "network = host"
} >"$CONF"
start_root
wait_for 10 all_running ok1 ok2 || die "colonies did not start"
p1=$(pid_of ok1) p2=$(pid_of ok2)
wait_for 15 state_is loop failed || die "loop did not fail: $(ctl status)"
assert_eq "$(field loop 5)" 2 "loop restarts"
assert_eq "$(field loop 6)" "code=3" "loop last exit"
assert_eq "$(pid_of ok1)" "$p1" "ok1 kept its pid"
assert_eq "$(pid_of ok2)" "$p2" "ok2 kept its pid"
all_running ok1 ok2 || die "others not running"
# It stays failed (no timer keeps retrying it).
sleep 0.5
state_is loop failed || die "loop left failed"
# An operator start gives a fresh budget: it loops again and fails again.
ctl start loop --no-wait
wait_for 15 state_is loop failed || die "loop did not fail again"
stop_root || die "root exit status $?"
