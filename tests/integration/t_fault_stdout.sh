#!/usr/bin/env bash
# t_fault_stdout.sh: services that close their stdout, or stdout and stderr, keep running; stderr still reaches the log and colonyd stays idle.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

{
	supervisor_section
	colony_ini other "network = host"
	printf '[colony out]\nnetwork = host\n'
	printf '[service out/half]\ncommand = /bin/sh -c "exec >&-; i=0; while :; do echo err \\$i >&2; echo out \\$i; i=\\$((i+1)); sleep 0.02; done"\n'
	printf '[service out/mute]\ncommand = /bin/sh -c "echo bye; exec >&- 2>&-; exec %s/stamp"\n' "$BUILD"
} >"$CONF"
start_root
wait_for 30 all_running other other/s out out/half out/mute || die "did not start: $(ctl status)"
LOG=$T/log/out/half.log
wait_for 20 grep -q ' err 10$' "$LOG" || die "stderr lines missing"
grep -q ' out [0-9]' "$LOG" && die "a closed stdout was still logged"
wait_for 20 grep -q ' bye$' "$T/log/out/mute.log" || die "mute's line missing"
half=$(pid_of out/half) mute=$(pid_of out/mute) cd_pid=$(pid_of out) before=$(colony_pids)
fds=$(root_fds)
ls -l /proc/"$mute"/fd | grep -q ' 1 -> \| 2 -> ' && die "mute still has stdout or stderr"

# colonyd still holds the pipes' write ends, so no EOF wakes it: it sleeps while mute runs (a read-EOF busy loop would burn CPU).
cpu() { awk '{ print $14 + $15 }' /proc/"$cd_pid"/stat; }
c0=$(cpu)
n=$(wc -l <"$LOG")
wait_for 30 eval '[ $(wc -l <"$LOG") -gt $((n + 20)) ]' || die "stderr lines stopped"
log "colonyd used $(( $(cpu) - c0 )) ticks while half wrote 20 lines"
[ $(( $(cpu) - c0 )) -lt 50 ] || die "colonyd used $(( $(cpu) - c0 )) clock ticks for 20 lines"
assert_eq "$(pid_of out/half)" "$half" "half restarted"
assert_eq "$(pid_of out/mute)" "$mute" "mute restarted"
assert_eq "$(colony_pids)" "$before" "colonies touched"
# They stop normally, and the logs end cleanly.
ctl stop out/half out/mute || die "stop failed"
wait_for 20 eval 'state_is out/half stopped && state_is out/mute stopped' || die "did not stop"
assert_eq "$(pid_of out)" "$cd_pid" "colonyd restarted"
fds_settle "$fds"
stop_clean
exit 0
