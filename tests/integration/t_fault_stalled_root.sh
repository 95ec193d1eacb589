#!/usr/bin/env bash
# t_fault_stalled_root.sh: a root that stops reading (SIGSTOP) while a service floods STATUS= changes and then exits: colonyd drops messages rather than wait, yet once the root reads again its view is current (the exit is not lost).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

cat >"$T/flood.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
s.send(b"READY=1")
while not os.path.exists(sys.argv[1]):
    pass
for i in range(20000):
    s.send(b"STATUS=n%d" % i)
open(sys.argv[1] + ".flooded", "w").close()
while not os.path.exists(sys.argv[1] + ".exit"):
    pass
sys.exit(7)
PY
{
	supervisor_section
	colony_ini other "network = host"
	printf '[colony st]\nnetwork = host\n[service st/calm]\ncommand = %s/stamp\n' "$BUILD"
	printf '[service st/noisy]\ncommand = /usr/bin/python3 %s %s\nready = notify\nrestart = temporary\n' "$T/flood.py" "$T/go"
} >"$CONF"
start_root
wait_for 30 all_running other other/s st st/calm st/noisy || die "did not start: $(ctl status)"
cd_pid=$(pid_of st) calm=$(pid_of st/calm) noisy=$(pid_of st/noisy)
kill -STOP "$ROOT_PID"
touch "$T/go"
# colonyd drops messages rather than wait for the root; after the flood, noisy exits.
wait_for 20 test -e "$T/go.flooded" || { kill -CONT "$ROOT_PID"; die "the flood did not end"; }
wait_for 20 grep -q "dropping messages" "$T/root.out" || { kill -CONT "$ROOT_PID"; die "colonyd did not drop anything: the test tested nothing"; }
touch "$T/go.exit"
wait_for 30 eval '! kill -0 '"$noisy"' 2>/dev/null' || { kill -CONT "$ROOT_PID"; die "noisy did not exit"; }
kill -0 "$cd_pid" || { kill -CONT "$ROOT_PID"; die "colonyd died"; }
kill -CONT "$ROOT_PID"
# The exit reached the root after all, with a STATUS= from after the drops (the queue holds 4096).
current() {
	[ "$(field st/noisy 6)" = code=7 ] || return 1
	[[ "$(ctl status st/noisy --json)" =~ \"status\":\"n([0-9]+)\" ]] && [ "${BASH_REMATCH[1]}" -ge 10000 ]
}
wait_for 30 current || die "the root's view is stale: $(ctl status st/noisy --json)"
assert_eq "$(pid_of st)" "$cd_pid" "colonyd restarted"
assert_eq "$(pid_of st/calm)" "$calm" "calm restarted"
# Commands still work both ways.
ctl restart st/calm >/dev/null || die "restart through colonyd failed"
stop_clean
exit 0
