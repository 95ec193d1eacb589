#!/usr/bin/env bash
# t_root_badpeer.sh: a colonyd that sends garbage loses its link, not its colony, and the root stays up and can still stop it.
source "$(dirname "$0")/lib.sh"

cat >"$T/fake-colonyd" <<'SH'
#!/bin/sh
# Not a protocol message: 8 bytes of nonsense, then a huge length header.
printf 'garbage!' >&3
printf '\377\377\377\377\001\000\100\000' >&3
exec sleep 1000
SH
chmod 755 "$T/fake-colonyd"
{
	supervisor_section | sed "s|^colonyd = .*|colonyd = $T/fake-colonyd|"
	colony_ini bad "network = host" "shutdown = 2s"
} >"$CONF"
start_root
wait_for 5 grep >/dev/null "colony bad: bad message" "$T/root.out" || die "garbage not rejected"
pid=$(pid_of bad || true)	# status exits 3: not running
[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" || die "the colony did not keep running"
state_is bad starting || die "a colony that never said ready is $(field bad 2)"
# Without a link, stop falls back to SIGTERM.
ctl stop bad || die "stop failed"
state_is bad stopped || die "not stopped"
kill -0 "$pid" 2>/dev/null && die "fake colonyd survived"
kill -0 "$ROOT_PID" || die "root died"
stop_root || die "root exit status $?"
