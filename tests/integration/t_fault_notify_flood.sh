#!/usr/bin/env bash
# t_fault_notify_flood.sh: a service floods its notify socket (and a stranger floods it too): colonyd and the root keep answering, memory stays bounded, the last STATUS= wins.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

# READY=1, then datagrams as fast as the socket takes them: changing STATUS=, junk, oversized ones, and fds.
cat >"$T/flood.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
s.send(b"READY=1")
junk = os.urandom(512)
big = b"STATUS=" + b"x" * 200000
r, w = os.pipe()
i = 0
while i % 64 or not os.path.exists(sys.argv[1]):
    i += 1
    k = i % 4
    try:
        if k == 0:
            s.send(b"STATUS=n%d\nWATCHDOG=1\nX=%s" % (i, b"y" * (i % 3000)))
        elif k == 1:
            s.send(junk)
        elif k == 2:
            s.sendmsg([b"STATUS=fd"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, bytes(memoryview(bytearray(r.to_bytes(4, "little")))))])
        else:
            s.send(big)
    except OSError:
        pass
s.send(b"STATUS=done")
print("flood over", flush=True)
os.execv(sys.argv[2], [sys.argv[2]])
PY
{
	supervisor_section
	colony_ini other "network = host"
	printf '[colony flood]\nnetwork = host\n[service flood/calm]\ncommand = %s/stamp\n' "$BUILD"
	printf '[service flood/noisy]\ncommand = /usr/bin/python3 %s %s %s/stamp\nready = notify\nautostart = no\n' "$T/flood.py" "$T/stop" "$BUILD"
} >"$CONF"
# Under ASan, freed memory waits in a 256 MB quarantine; keep it small so RSS means live memory.
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
start_root
wait_for 30 all_running other other/s flood flood/calm || die "did not start: $(ctl status)"
cd_pid=$(pid_of flood) calm=$(pid_of flood/calm) before=$(colony_pids)
rss() { awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status; }
cd_rss=$(rss "$cd_pid") root_rss=$(rss "$ROOT_PID") fds=$(root_fds) cd_fds=$(ls /proc/"$cd_pid"/fd | wc -l)

ctl start flood/noisy --no-wait >/dev/null || die "start failed"
wait_for 30 test -S "$T/state/notify/flood/noisy" || die "no notify socket"
# A process outside the service's cgroup floods the same socket; it is ignored.
python3 - "$T/state/notify/flood/noisy" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[1])
for i in range(20000):
    try: s.send(b"STATUS=stranger\nREADY=1")
    except OSError: pass
PY
STRANGER=$!
# The daemons answer all along: 20 status calls while it lasts, then the flood stops.
flood_on() { ctl status flood/noisy --json | grep -q '"status":"\(n[0-9]*\|fd\)"'; }
wait_for 30 flood_on || die "the flood did not begin: $(ctl status flood/noisy --json)"
for _ in $(seq 20); do
	timeout 20 "$BUILD/colonyctl" -s "$SOCK" status flood >/dev/null || die "status did not answer during the flood"
	flood_on || die "the flood is not on"
done
touch "$T/stop"
wait_for 30 grep -q "flood over" "$T/log/flood/noisy.log" || die "the flood did not end"
wait "$STRANGER" || true
status_done() { ctl status flood/noisy --json | grep -q '"status":"done"'; }
wait_for 20 status_done || die "last STATUS= not shown: $(ctl status flood/noisy --json)"
state_is flood/noisy running || die "noisy is $(field flood/noisy 2)"
assert_eq "$(pid_of flood)" "$cd_pid" "colonyd restarted"
assert_eq "$(pid_of flood/calm)" "$calm" "calm restarted"
assert_eq "$(colony_pids | grep -v '^flood/noisy=')" "$(grep -v '^flood/noisy=' <<<"$before")" "colonies touched"
# Bounded: a few MB at most, however long the flood; passed fds are closed.
log "RSS colonyd ${cd_rss} -> $(rss "$cd_pid") kB, root ${root_rss} -> $(rss "$ROOT_PID") kB"
[ "$(rss "$cd_pid")" -lt $((cd_rss + 8192)) ] || die "colonyd grew from $cd_rss to $(rss "$cd_pid") kB"
[ "$(rss "$ROOT_PID")" -lt $((root_rss + 8192)) ] || die "root grew from $root_rss to $(rss "$ROOT_PID") kB"
cd_fds_now=$(ls /proc/"$cd_pid"/fd | wc -l)
[ "$cd_fds_now" -le $((cd_fds + 4)) ] || die "colonyd holds $cd_fds_now fds, had $cd_fds (+ the new service's pipe and socket)"
fds_settle "$fds"
stop_clean
exit 0
