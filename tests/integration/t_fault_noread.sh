#!/usr/bin/env bash
# t_fault_noread.sh: clients that send requests and never read their replies (status, metrics, events) cost the root no progress: it answers others, then drops or frees them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

{
	supervisor_section
	for i in 1 2 3 4 5 6 7 8; do colony_ini "c$i" "network = host"; done
	# A crashing service produces a steady stream of events.
	printf '[colony crash]\nnetwork = host\nintensity = 100000\nperiod = 1s\n[service crash/loop]\ncommand = /bin/false\nrestart_delay_max = 10ms\n'
} >"$CONF"
start_root
wait_for 30 all_running c1 c2 c3 c4 c5 c6 c7 c8 crash || die "did not start: $(ctl status)"
before=$(colony_pids | grep -v '^crash')
fds=$(root_fds)

# 200 connections that each send a request and never read, one that sends status requests in a loop, and event subscribers that never read.
python3 - "$SOCK" "$T/noread.ready" <<'PY' &
import socket, struct, sys, time
def req(*args):
    body = b"".join(a.encode() + b"\0" for a in args)
    return struct.pack("<I", len(body)) + body
conns = []
for i in range(200):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.sendall(req(("status", "metrics", "events", "status --json")[i % 4].split()[0], *(["--json"] if i % 4 == 3 else [])))
    conns.append(s)
loop = socket.socket(socket.AF_UNIX); loop.connect(sys.argv[1]); loop.setblocking(False)
open(sys.argv[2], "w").close()
end = time.time() + 4
while time.time() < end:
    try: loop.send(req("status"))
    except BlockingIOError: time.sleep(0.01)
    except OSError: break
PY
PY_PID=$!
wait_for 30 test -e "$T/noread.ready" || die "clients not connected"
for i in $(seq 20); do
	timeout 20 "$BUILD/colonyctl" -s "$SOCK" status c1 >/dev/null || die "status did not answer with idle readers around"
	out=$(timeout 20 "$BUILD/colonyctl" -s "$SOCK" metrics) || die "metrics did not answer"
	grep -q 'colony_up{colony="c8"} 1' <<<"$out" || die "metrics incomplete"
done
wait "$PY_PID" || die "the client script failed"
kill -0 "$ROOT_PID" || die "root died"
assert_eq "$(colony_pids | grep -v '^crash')" "$before" "colonies touched"
# Every connection is gone now: the root holds what it held before.
fds_settle "$fds"
stop_clean
exit 0
