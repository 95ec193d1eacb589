#!/usr/bin/env bash
# t_root_ctl.sh: colonyctl formats (status text/--json, events), exit statuses 0-5, socket mode, and a root that survives garbage and idle clients.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	colony_ini web "network = host"
	printf '[service web/two]\ncommand = %s/stamp\n' "$BUILD"
	colony_ini idle "network = host" "autostart = no"
} >"$CONF"
start_root
wait_for 10 all_running web web/s web/two || die "did not start: $(ctl status)"

# Socket mode 0600, owned by root.
assert_eq "$(stat -c %a "$SOCK")" 600 "control socket mode"

# Text: configuration order, 6 tab-separated fields, no header.
out=$(ctl status)
assert_eq "$(echo "$out" | cut -f1 | tr '\n' ' ')" "web web/s web/two idle idle/s " "order"
echo "$out" | awk -F'\t' 'NF != 6 { exit 1 }' || die "not 6 tab-separated fields: $out"
assert_eq "$(field idle 2) $(field idle 3) $(field idle 4) $(field idle 6)" "stopped - - -" "a stopped colony"
[[ "$(field web 3)" =~ ^[0-9]+$ ]] || die "web pid"

# JSON: one flat array with the documented fields.
ctl status --json | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert [e["name"] for e in a] == ["web", "web/s", "web/two", "idle", "idle/s"], a
for e in a:
    for k in ("name", "kind", "colony", "state", "pid", "restarts", "since_ms", "last_exit", "ready", "cgroup"):
        assert k in e, (k, e)
    if e["kind"] == "colony":
        assert "netns" in e and "address" in e and "watch" in e, e
assert a[0]["watch"] == "pidfd" and a[3]["watch"] is None, a
assert a[0]["kind"] == "colony" and a[1]["kind"] == "service" and a[1]["colony"] == "web"
assert isinstance(a[0]["pid"], int) and a[3]["pid"] is None and a[0]["ready"] is True
assert a[3]["state"] == "stopped" and a[0]["last_exit"] is None
' || die "bad status --json"

# Exit statuses.
rc=0; ctl status idle >/dev/null || rc=$?; assert_eq "$rc" 3 "status of a stopped colony"
rc=0; ctl status nope 2>/dev/null || rc=$?; assert_eq "$rc" 4 "unknown colony"
rc=0; ctl status web/nope 2>/dev/null || rc=$?; assert_eq "$rc" 4 "unknown service"
rc=0; ctl start nope 2>/dev/null || rc=$?; assert_eq "$rc" 4 "start of an unknown colony"
rc=0; ctl frobnicate 2>/dev/null || rc=$?; assert_eq "$rc" 2 "unknown command"
rc=0; ctl start 2>/dev/null || rc=$?; assert_eq "$rc" 2 "start without NAME"
rc=0; ctl kill web NOTASIG 2>/dev/null || rc=$?; assert_eq "$rc" 2 "bad signal"
rc=0; "$BUILD/colonyctl" -s "$T/none.sock" status 2>/dev/null || rc=$?; assert_eq "$rc" 5 "no daemon"
rc=0; ctl wait web --state stopped --timeout 200ms 2>/dev/null || rc=$?; assert_eq "$rc" 124 "wait timeout"
ctl status web >/dev/null || die "status of a running colony"

# Events stream while start/stop/restart wait for their results.
ctl events --json >"$T/events" &
EV=$!
sleep 0.2
ctl start idle
state_is idle running || die "start did not wait for running"
old=$(pid_of idle)
ctl restart idle
restarted idle "$old" || die "restart did not wait"
ctl stop idle
state_is idle stopped || die "stop did not wait"
ctl wait idle --state stopped --timeout 5s || die "wait"
ctl restart web/two
sleep 0.3
kill "$EV"; wait "$EV" 2>/dev/null || true
python3 - "$T/events" <<'PY' || die "bad events: $(cat "$T/events")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
names = [(e["name"], e["event"]) for e in ev]
assert ("idle", "spawned") in names and ("idle", "ready") in names and ("idle", "stopped") in names, names
assert all("time_ms" in e for e in ev)
assert any(n == "web/two" for n, _ in names), names
PY

# 200 KB of garbage, an oversized request and 50 idle connections: the root stays responsive.
head -c 200000 /dev/urandom | socat -u - "UNIX-CONNECT:$SOCK" 2>/dev/null || \
	python3 -c 'import socket,os,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(os.urandom(200000))' "$SOCK" 2>/dev/null || true
python3 - "$SOCK" <<'PY' &
import socket, sys, time
conns = []
for _ in range(50):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); conns.append(s)
time.sleep(3)
PY
IDLE=$!
sleep 0.5
printf '\x04\x00\x00\x00junk' | python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); print(s.recv(100))' "$SOCK" | grep >/dev/null "malformed" || die "malformed request not answered"
timeout 2 "$BUILD/colonyctl" -s "$SOCK" status web >/dev/null || die "root not responsive"
kill "$IDLE" 2>/dev/null || true; wait "$IDLE" 2>/dev/null || true
kill -0 "$ROOT_PID" || die "root died"
stop_root || die "root exit status $?"
