#!/usr/bin/env bash
# t_ops_ready.sh: readiness by sd_notify (a real redis-server --supervised systemd, STATUS= text) and by fd:N, a missed ready_timeout, and rest_for_one starting each sibling only once the previous is ready, at both levels.
source "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null || die "redis-server is missing (make deps installs it)"
# A helper that notifies READY=1 (and a STATUS=) from inside the service's cgroup after a delay.
cat >"$T/late.py" <<'PY'
import os, socket, sys, time
time.sleep(float(sys.argv[1]))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
s.send(b"STATUS=warmed up\nREADY=1\n")
os.execv("/bin/sleep", ["sleep", "1000"])
PY
# The gate: ready once the test has subscribed to events, so the stream sees every later start.
cat >"$T/gate.py" <<'PY'
import os, socket, sys, time
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
s.send(b"READY=1")
os.execv("/bin/sleep", ["sleep", "1000"])
PY
{
	supervisor_section "strategy = rest_for_one"
	printf '[colony gate]\nnetwork = host\n[service gate/g]\nready = notify\ncommand = python3 %s/gate.py %s/go\n' "$T" "$T"
	printf '[colony r]\nstrategy = rest_for_one\n'
	printf '[service r/redis]\nready = notify\nready_timeout = 20s\n'
	printf 'command = redis-server --supervised systemd --port 0 --unixsocket %s/redis.sock --save "" --appendonly no --daemonize no\n' "$T"
	printf '[service r/late]\nready = notify\ncommand = python3 %s/late.py 1\n' "$T"
	printf '[service r/after]\ncommand = %s/stamp\n' "$BUILD"
	colony_ini second "network = host"
	colony_ini mute "network = host"
	printf '[service mute/fd]\nready = fd:3\ncommand = sh -c "sleep 0.5; echo >&3; exec sleep 1000"\n'
	printf '[service mute/never]\nready = notify\nready_timeout = 1s\nrestart = temporary\ncommand = sleep 1000\n'
} >"$CONF"
start_root
ctl events --json >"$T/events" &
EV=$!
wait_for 10 state_is gate/g starting || die "gate did not start"
sleep 0.5	# let the subscriber connect
state_is r stopped || die "r started before the gate was ready"
touch "$T/go"
wait_for 30 all_running r r/redis r/late r/after second second/s || die "did not start: $(ctl status)"

# redis is ready only once it listens: it sends READY=1 after opening its socket.
test -S "$T/redis.sock" || die "ready before redis opened its socket"
assert_eq "$(redis-cli -s "$T/redis.sock" ping)" PONG "redis answers once ready"
ctl status r/redis --json | python3 -c '
import json, sys
e = json.load(sys.stdin)[0]
assert e["ready"] is True and e["state"] == "running", e
' || die "redis not ready in status --json"
out=$(ctl status r/late --json)
grep -q '"status":"warmed up"' <<<"$out" || die "no STATUS= text in status --json: $out"

# A service that never notifies fails its start after ready_timeout.
wait_for 15 state_is mute/never exited || die "never-ready service: $(ctl status mute)"
assert_eq "$(field mute/never 6)" ready_timeout "last exit of a missed ready_timeout"
out=$(ctl status mute/never --json) || true
grep -q "\"last_exit\":{\"reason\":\"ready_timeout\"}" <<<"$out" || die "json last_exit: $out"

wait_for 10 state_is mute/fd running || die "fd:3 service not ready: $(ctl status mute)"
kill "$EV"; wait "$EV" 2>/dev/null || true
# The order of the stream: each rest_for_one sibling is spawned only after the previous is ready,
# in the colony (r/redis -> r/late -> r/after) and at the root (colony r -> colony second).
python3 - "$T/events" <<'PY' || die "bad order: $(cat "$T/events")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
pos = {}
for i, e in enumerate(ev):
    pos.setdefault((e["name"], e["event"]), (i, e["time_ms"]))
def before(a, b):
    assert a in pos and b in pos, (a, b, [(e["name"], e["event"]) for e in ev])
    assert pos[a][0] < pos[b][0] and pos[a][1] <= pos[b][1], (a, pos[a], b, pos[b])
before(("gate", "ready"), ("r", "spawned"))
before(("r/redis", "spawned"), ("r/redis", "ready"))
before(("r/redis", "ready"), ("r/late", "spawned"))
before(("r/late", "ready"), ("r/after", "spawned"))
before(("r/after", "ready"), ("r", "ready"))
before(("r", "ready"), ("second", "spawned"))
# fd:3: ready at the newline, half a second after the spawn.
before(("mute/fd", "spawned"), ("mute/fd", "ready"))
assert pos[("mute/fd", "ready")][1] - pos[("mute/fd", "spawned")][1] >= 400, pos
# r/late notifies one second after its spawn: r/after waited for it.
assert pos[("r/after", "spawned")][1] - pos[("r/late", "spawned")][1] >= 900, pos
PY
stop_root || die "root exit status $?"
