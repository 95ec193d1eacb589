#!/usr/bin/env bash
# t_root_group.sh: with control_group the socket is 0660 and that group's members may use it; others cannot.
source "$(dirname "$0")/lib.sh"

getent group nogroup >/dev/null && id nobody >/dev/null || { log "no nobody/nogroup: skipped"; exit 0; }
chmod 755 "$T"
{
	supervisor_section "control_group = nogroup"
	colony_ini g "network = host"
} >"$CONF"
start_root
wait_for 10 state_is g running || die "g did not start"
assert_eq "$(stat -c '%a %G' "$SOCK")" "660 nogroup" "socket mode and group"
# nobody's primary group is nogroup: allowed.
setpriv --reuid=nobody --regid=nogroup --clear-groups "$BUILD/colonyctl" -s "$SOCK" status g >/dev/null ||
	die "a control_group member was refused"
# daemon is not in nogroup: the socket's mode keeps it out (exit 5), or the root refuses it (exit 1).
rc=0; setpriv --reuid=daemon --regid=daemon --clear-groups "$BUILD/colonyctl" -s "$SOCK" status g >/dev/null 2>&1 || rc=$?
[ "$rc" = 5 ] || [ "$rc" = 1 ] || die "a non-member got in (exit $rc)"
# A member by a supplementary group only passes the SO_PEERCRED check too.
setpriv --reuid=daemon --regid=daemon --groups="$(getent group nogroup | cut -d: -f3)" "$BUILD/colonyctl" -s "$SOCK" status g >/dev/null ||
	die "a supplementary member was refused"
stop_root || die "root exit status $?"
