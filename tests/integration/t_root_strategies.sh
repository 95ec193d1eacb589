#!/usr/bin/env bash
# t_root_strategies.sh: each root strategy restarts exactly the right colonies when a colonyd is killed.
source "$(dirname "$0")/lib.sh"

for strat in one_for_one rest_for_one one_for_all; do
	{
		supervisor_section "strategy = $strat"
		for c in a b c; do colony_ini "$c" "network = host"; done
	} >"$CONF"
	start_root
	wait_for 10 all_running a b c || die "$strat: colonies did not start"
	pa=$(pid_of a) pb=$(pid_of b) pc=$(pid_of c)
	kill -KILL "$pb"
	wait_for 10 restarted b "$pb" || die "$strat: b was not restarted"
	case $strat in
	one_for_one) sleep 0.3; assert_eq "$(pid_of a)" "$pa" "$strat: a kept"; assert_eq "$(pid_of c)" "$pc" "$strat: c kept" ;;
	rest_for_one) wait_for 10 restarted c "$pc" || die "$strat: c not restarted"; assert_eq "$(pid_of a)" "$pa" "$strat: a kept" ;;
	one_for_all) wait_for 10 restarted c "$pc" || die "$strat: c not restarted"
		wait_for 10 restarted a "$pa" || die "$strat: a not restarted" ;;
	esac
	all_running a b c || die "$strat: not all running"
	assert_eq "$(field b 6)" "signal=KILL" "$strat: b's last exit"
	stop_root || die "$strat: root exit status $?"
	log "$strat ok"
done
