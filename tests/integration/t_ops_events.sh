#!/usr/bin/env bash
# t_ops_events.sh: colonyctl events streams SPEC section 8 events to several subscribers at once; a subscriber that stops reading is dropped and never slows the root.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	colony_ini e "network = host" "intensity = 1000"
	printf '[service e/crash]\ncommand = sh -c "sleep 1; exit 3"\nrestart = transient\n'
	printf '[service e/once]\ncommand = true\nrestart = temporary\n'
} >"$CONF"
start_root
wait_for 10 all_running e e/s || die "did not start: $(ctl status)"
ctl events --json >"$T/json" &
J=$!
ctl events >"$T/text" &
X=$!
# The slow one subscribes, then reads nothing until told to: the root must drop it, not wait for it.
python3 - "$SOCK" "$T" >"$T/slow.out" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"\x0f\x00\x00\x00events\x00--json\x00")
open(sys.argv[2] + "/subscribed", "w").close()
while not os.path.exists(sys.argv[2] + "/go"):
    time.sleep(0.05)
s.settimeout(10)
n = 0
try:
    while True:
        b = s.recv(65536)
        if not b:
            print("closed", n); break
        n += len(b)
except socket.timeout:
    print("still open", n)
PY
S=$!
wait_for 5 test -e "$T/subscribed" || die "slow subscriber did not start"
sleep 0.3	# the two colonyctl subscribers are connected by now

old=$(pid_of e)
ctl restart e
wait_for 10 all_running e e/s || die "restart"
ctl stop e/s
# 20000 reloads, about 1.4 MB of events: far past the 1 MiB a subscriber may lag.
python3 - "$SOCK" <<'PY' &
import socket, sys
for i in range(20000):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    s.sendall(b"\x07\x00\x00\x00reload\x00")
    while s.recv(4096): pass
    s.close()
PY
FL=$!
timeout 5 "$BUILD/colonyctl" -s "$SOCK" status e >/dev/null || die "root not responsive during the flood"
wait "$FL" || die "flood failed"
wait_for 20 eval '[ "$(grep -c reloaded "$T/json")" = 20000 ]' || die "json subscriber lost events: $(grep -c reloaded "$T/json")"
wait_for 20 eval '[ "$(grep -c reloaded "$T/text")" = 20000 ]' || die "text subscriber lost events"
touch "$T/go"
wait "$S"
read -r verdict slowbytes <"$T/slow.out"
assert_eq "$verdict" closed "the slow subscriber was dropped"
[ "$slowbytes" -lt "$(stat -c %s "$T/json")" ] || die "the slow one got everything ($slowbytes bytes)?"
kill "$J" "$X"; wait "$J" "$X" 2>/dev/null || true

python3 - "$T/json" "$old" <<'PY' || die "bad events: $(grep -v reloaded "$T/json" | head -30)"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
for e in ev:
    assert isinstance(e["time_ms"], int) and e["time_ms"] > 1.6e12 and e["name"] and e["event"], e
assert [e["time_ms"] for e in ev] == sorted(e["time_ms"] for e in ev), "time goes back"
names = [(e["name"], e["event"]) for e in ev]
for want in [("e", "spawned"), ("e", "ready"), ("e/s", "spawned"), ("e/s", "ready"),
             ("e/s", "stopped"), ("e/crash", "exited"), ("e/crash", "restarting"),
             ("colony-supervisor", "reloaded")]:
    assert want in names, (want, sorted(set(names)))
crash = [e for e in ev if e["name"] == "e/crash" and e["event"] == "exited"]
assert {"code": 3} in [e["exit"] for e in crash], crash
assert all("exit" not in e for e in ev if e["event"] in ("spawned", "ready")), "exit on a spawn"
# a one-shot reports exactly one "exited" per run, not one for the exit and one for the state
once = [e["event"] for e in ev if e["name"] == "e/once"]
assert once.count("exited") == once.count("spawned") >= 1, once
spawned = [e for e in ev if e["name"] == "e" and e["event"] == "spawned"]
assert spawned[0]["pid"] != int(sys.argv[2]), spawned
PY
# The text form: TIME_MS NAME EVENT [pid=N] [exit=...], tab-separated.
grep -P '^\d+\te/crash\texited\texit=code=3$' "$T/text" >/dev/null || die "text form: $(grep crash "$T/text" | head -3)"
grep -P '^\d+\te\tspawned\tpid=\d+$' "$T/text" >/dev/null || die "text form of spawned"
stop_root || die "root exit status $?"
