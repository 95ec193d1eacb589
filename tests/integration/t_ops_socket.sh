#!/usr/bin/env bash
# t_ops_socket.sh: control socket security: an unprivileged user is refused (by the socket's mode, and by SO_PEERCRED), garbage and 50 idle connections leave the root responsive, idle clients are closed, and a request of nearly the largest size is served whole.
source "$(dirname "$0")/lib.sh"

id nobody >/dev/null || die "no user nobody"
chmod 755 "$T"
{
	supervisor_section
	colony_ini a "network = host"
} >"$CONF"
start_root
wait_for 10 all_running a a/s || die "did not start: $(ctl status)"
assert_eq "$(stat -c %a "$SOCK")" 600 "socket mode without control_group"
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/colonyctl" -s "$SOCK" "$@"; }

# The socket's mode keeps nobody out: a clear message and exit 1 (not "cannot be reached").
rc=0; err=$(asnobody status 2>&1) || rc=$?
assert_eq "$rc" 1 "nobody through a 0600 socket"
grep -q "permission denied" <<<"$err" || die "unclear refusal: $err"
# Past the mode, SO_PEERCRED still refuses: the root's own message.
chmod 666 "$SOCK"
rc=0; err=$(asnobody status 2>&1) || rc=$?
assert_eq "$rc" 1 "nobody refused by SO_PEERCRED"
grep -q "colony-supervisor: permission denied: uid 65534" <<<"$err" || die "root's refusal: $err"
rc=0; asnobody stop a >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "nobody cannot stop a colony"
state_is a running || die "a refused client changed something"
chmod 600 "$SOCK"

# 200 KB of garbage (its length word is far over the bound), then 50 idle clients and a slow one.
python3 - "$SOCK" <<'PY' || die "garbage was not refused"
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
try:
    s.sendall(b"\xff\xff\xff\x7f" + os.urandom(200000))
except (BrokenPipeError, ConnectionResetError):
    pass
data = b""
while True:
    try:
        b = s.recv(4096)
    except ConnectionResetError:
        break
    if not b:
        break
    data += b
assert b"request too large" in data, data
PY
# A request of 64007 bytes (CTL_REQ_MAX is 65536): the root reads it into a buffer grown to the size its
# header announces, in several pieces; every one of its 4000 names is answered.
rc=0; ctl status $(seq -f 'nosuchcol%06g' 1 4000) >/dev/null 2>"$T/big.err" || rc=$?
assert_eq "$rc" 4 "status of 4000 unknown names"
assert_eq "$(grep -c 'no such colony or service: nosuchcol' "$T/big.err")" 4000 "names answered"
grep -q 'nosuchcol004000$' "$T/big.err" || die "the end of a large request was lost"
python3 - "$SOCK" >"$T/idle.out" <<'PY' &
import socket, sys, time
conns = []
for _ in range(50):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(30); conns.append(s)
half = socket.socket(socket.AF_UNIX); half.connect(sys.argv[1]); half.settimeout(30)
half.sendall(b"\x10\x00\x00\x00stat")	# a request that never completes
conns.append(half)
closed = 0
for s in conns:
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    closed += b"request timed out" in data
print(closed)
PY
IDLE=$!
sleep 0.5
timeout 2 "$BUILD/colonyctl" -s "$SOCK" status a >/dev/null || die "root not responsive with 51 idle clients"
wait "$IDLE" || die "idle clients were not closed (socket timeout 30 s)"
assert_eq "$(cat "$T/idle.out")" 51 "idle clients closed with a message"
ctl status a >/dev/null || die "root not responsive after"
kill -0 "$ROOT_PID" || die "root died"
stop_root || die "root exit status $?"
