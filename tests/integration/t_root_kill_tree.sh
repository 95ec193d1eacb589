#!/usr/bin/env bash
# t_root_kill_tree.sh: a crashed service's grandchildren die with it; everything in a colony dies with its killed colonyd.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	printf '[colony k]\nnetwork = host\n'
	printf '[service k/tree]\ncommand = /bin/sh -c "sleep 1000 & sleep 1001 & wait"\n'
	printf '[service k/idle]\ncommand = %s/stamp\n' "$BUILD"
} >"$CONF"
start_root
wait_for 10 all_running k k/tree k/idle || die "did not start: $(ctl status)"
cg=$(cg_v2)/k
tree_up() { [ "$(cg_pids "$cg/tree" | wc -l)" -ge 3 ]; }
wait_for 5 tree_up || die "tree not spawned"
old=$(cg_pids "$cg/tree")
main=$(pid_of k/tree)
kill -KILL "$main"
wait_for 10 restarted k/tree "$main" || die "k/tree not restarted"
for p in $old; do
	wait_for 5 eval "! kill -0 $p 2>/dev/null" || die "process $p of the crashed service survived"
done

# Kill colonyd: everything in the colony goes, then it all comes back.
wait_for 5 tree_up || die "tree not respawned"
all=$(cg_pids "$cg")
cd_pid=$(pid_of k)
kill -KILL "$cd_pid"
wait_for 10 restarted k "$cd_pid" || die "k not restarted"
for p in $all; do
	wait_for 5 eval "! kill -0 $p 2>/dev/null" || die "process $p survived its colonyd's death"
done
wait_for 10 all_running k/tree k/idle || die "services not back"
stop_root || die "root exit status $?"
