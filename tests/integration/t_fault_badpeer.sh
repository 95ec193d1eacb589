#!/usr/bin/env bash
# t_fault_badpeer.sh: colonyds that speak garbage in several ways (short, bad version, bad type, wrong hello, a burst, EOF) lose their link, not the root; a real colony is untouched and no fd leaks.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

# A fake colonyd: what it sends on fd 3 (SOCK_SEQPACKET: one send is one message) depends on its colony.
cat >"$T/fake-colonyd" <<'PY'
#!/usr/bin/python3
import os, socket, struct, sys, time
colony = sys.argv[sys.argv.index("--colony") + 1]
s = socket.socket(fileno=3)
def msg(typ, payload=b"", version=1, length=None):
    return struct.pack("<IHH", length if length is not None else 8 + len(payload), version, typ) + payload
def hello(name):
    b = name.encode()
    return msg(64, struct.pack("<Ii", 1, os.getpid()) + struct.pack("<H", len(b)) + b)
kind = colony.split("-")[0]
try:
    if kind == "short":
        s.send(b"\x01\x02\x03")
    elif kind == "ver":
        s.send(hello(colony)); s.send(msg(65, b"x" * 40, version=99))
    elif kind == "type":
        s.send(hello(colony)); s.send(msg(200, b"y" * 10))
    elif kind == "len":
        s.send(hello(colony)); s.send(msg(65, b"z" * 10, length=4096))
    elif kind == "hello":
        s.send(hello("somebody-else"))
    elif kind == "burst":
        s.send(hello(colony))
        for _ in range(2000):
            s.send(os.urandom(64))
    elif kind == "eof":
        s.close()
except OSError:
    pass
time.sleep(1000)
PY
chmod 755 "$T/fake-colonyd"
KINDS="short ver type len hello burst eof"
{
	supervisor_section "intensity = 1000"
	colony_ini good "network = host"
	for k in $KINDS; do
		colony_ini "$k-x" "network = host" "shutdown = 1s" "restart = temporary"
	done
} >"$CONF"
# Only the bad colonies get the fake: a wrapper picks by colony name.
cat >"$T/colonyd" <<SH
#!/bin/sh
case "\$*" in *"--colony good "*) exec "$BUILD/colonyd" "\$@";; esac
exec "$T/fake-colonyd" "\$@"
SH
chmod 755 "$T/colonyd"
sed -i "s|^colonyd = .*|colonyd = $T/colonyd|" "$CONF"
start_root
wait_for 30 all_running good good/s || die "good did not start: $(ctl status)"
good=$(colony_pids | grep '^good')
for k in $KINDS; do
	wait_for 20 eval '[ "$(pid_of '"$k"'-x || true)" != - ]' || die "$k-x has no colonyd: $(ctl status)"
done
# Each loses its link (a message from the root names it) but its colonyd keeps running.
for k in short ver type len hello burst; do
	wait_for 20 grep -q "colony $k-x: " "$T/root.out" || die "nothing said about $k-x: $(cat "$T/root.out")"
done
kill -0 "$ROOT_PID" || die "root died"
timeout 20 "$BUILD/colonyctl" -s "$SOCK" status >/dev/null || die "root does not answer"
assert_eq "$(colony_pids | grep '^good')" "$good" "good touched"
# Without links, stop falls back to SIGTERM; afterwards the root holds what it holds with only good.
for k in $KINDS; do ctl stop "$k-x" >/dev/null || die "stop $k-x failed"; done
for k in $KINDS; do state_is "$k-x" stopped || die "$k-x is $(field "$k-x" 2)"; done
fds=$(root_fds)
for k in $KINDS; do ctl start "$k-x" --no-wait >/dev/null 2>&1 || true; done
wait_for 20 eval 'for k in $KINDS; do [ "$(pid_of $k-x || true)" != - ] || exit 1; done' || true
for k in $KINDS; do ctl stop "$k-x" >/dev/null || die "second stop $k-x failed"; done
fds_settle "$fds"
assert_eq "$(colony_pids | grep '^good')" "$good" "good touched"
stop_clean
exit 0
