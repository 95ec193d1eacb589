#!/usr/bin/env bash
# t_root_idle.sh: an idle tree of 100 colonies makes no context switches (root and every colonyd) over 5 s.
source "$(dirname "$0")/lib.sh"

N=100
{
	supervisor_section
	for i in $(seq $N); do colony_ini "c$i"; done
} >"$CONF"
start_root
count_running() { [ "$(ctl status 2>/dev/null | awk -F'\t' '$1 !~ /\// && $2 == "running"' | wc -l)" -eq $N ]; }
wait_for 30 count_running || die "not all $N colonies running: $(ctl status | grep -vc running) are not"
pids="$ROOT_PID $(ctl status | awk -F'\t' '$1 !~ /\// { print $3 }')"
switches() {
	local total=0 p v
	for p in $pids; do
		v=$(awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s }' /proc/"$p"/status) || return 1
		total=$((total + v))
	done
	echo "$total"
}
sleep 1	# let start-up settle
before=$(switches)
sleep 5
after=$(switches)
log "context switches over 5 s with $N colonies: $((after - before))"
assert_eq "$((after - before))" 0 "idle context switches"
stop_root || die "root exit status $?"
