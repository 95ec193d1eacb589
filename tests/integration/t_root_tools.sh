#!/usr/bin/env bash
# t_root_tools.sh: colonyctl logs (and its -n check), exec and metrics; colonyd rejects a bad --fd; host pids for a colony with its own pid namespace.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	printf '[colony p]\nnamespaces = uts ipc pid mount\n'
	printf '[service p/talk]\ncommand = /bin/sh -c "echo hello; echo world; exec sleep 1000"\n'
} >"$CONF"
start_root
wait_for 10 all_running p p/talk || die "did not start: $(ctl status)"
# The service pid in status is the host's, though colonyd runs in its own pid namespace.
svc=$(pid_of p/talk)
tr '\0' ' ' </proc/"$svc"/cmdline | grep >/dev/null "sleep 1000" || die "status pid $svc is not the service's host pid"
wait_for 5 eval 'ctl logs p/talk -n 1 | grep >/dev/null "world$"' || die "logs -n 1: $(ctl logs p/talk)"
assert_eq "$(ctl logs p/talk -n 2 | sed 's/^[^ ]* //' | tr '\n' ' ')" "hello world " "logs content"
# A count that is not a number is a usage error, not "0 lines".
rc=0; ctl logs p/talk -n 2x >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "logs -n 2x: usage error"
# colonyd refuses an --fd that is not a number rather than reading it as fd 0.
rc=0; "$BUILD/colonyd" --colony p --fd junk --state-dir "$T" --log-dir "$T" --cgroup x 2>"$T/fd.err" || rc=$?
assert_eq "$rc" 1 "colonyd --fd junk: exit status"
grep >/dev/null -- '--fd junk' "$T/fd.err" || die "colonyd --fd junk: $(cat "$T/fd.err")"
out=$(ctl exec p -- /bin/sh -c 'hostname; ls /proc | grep -c "^[0-9]"') || die "exec failed"
assert_eq "$(echo "$out" | head -1)" p "exec runs in the colony's uts namespace"
[ "$(echo "$out" | tail -1)" -lt 10 ] || die "exec is not in the colony's pid namespace: $out"
rc=0; ctl exec p -- /bin/sh -c 'exit 7' || rc=$?
assert_eq "$rc" 7 "exec exit status"
ctl metrics | grep >/dev/null '^colony_up{colony="p"} 1$' || die "metrics: $(ctl metrics)"
ctl metrics | grep >/dev/null '^colony_restarts_total{colony="p",service="talk"} 0$' || die "service metrics"
stop_root || die "root exit status $?"
