#!/usr/bin/env bash
# t_fault_emfile.sh: colonies started while the root is at RLIMIT_NOFILE fail with EMFILE and are reported; the root stays up and answers, even with its fd table full to the last slot (a spare fd, no spinning accept), holds no stray fds, and they recover once fds are available.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

v1() { supervisor_section; colony_ini keep "network = host"; colony_ini keep2; }
v1 >"$CONF"
start_root
wait_for 30 all_running keep keep/s keep2 keep2/s || die "did not start: $(ctl status)"
before=$(colony_pids)
fds=$(root_fds)
# Room for reading the new file and a little more, not for six more colonies (each holds its
# protocol socket, and a spawn needs a few short-lived fds on top).
{ v1; for i in 1 2 3 4 5 6; do colony_ini "n$i" "restart_delay = 200ms" "restart_delay_max = 200ms"; done; } >"$CONF"
limit=$((fds + 5))
soft=$(prlimit --pid "$ROOT_PID" --nofile --noheadings --output=SOFT)
prlimit --pid "$ROOT_PID" --nofile=$limit:	# the soft limit only: without CAP_SYS_RESOURCE a hard one stays
kill -HUP "$ROOT_PID"
wait_for 30 grep -q "Too many open files" "$T/root.out" || die "no EMFILE reported: $(cat "$T/root.out")"
# At the limit the root still answers (it keeps a spare fd for accepting).
for _ in 1 2 3; do timeout 20 "$BUILD/colonyctl" -s "$SOCK" status keep >/dev/null || die "no answer at the limit"; done
kill -0 "$ROOT_PID" || die "root died at the limit"
[ "$(root_fds)" -le $limit ] || die "over the limit?"
# Full to the last slot: the lowest free fd number as the limit, so no new fd fits. Every answer
# comes through the spare fd, given up for the client and taken back when it goes; clients at once
# wait their turn while the socket is unwatched (CTL_FULL_MS), and accept does not spin.
low=$(ls "/proc/$ROOT_PID/fd" | sort -n | awk 'BEGIN { n = 0 } $1 == n { n++ } END { print n }')
prlimit --pid "$ROOT_PID" --nofile=$low:
for _ in 1 2 3; do timeout 20 "$BUILD/colonyctl" -s "$SOCK" status keep >/dev/null || die "no answer with the fd table full"; done
cpids=""
for i in 1 2 3 4; do timeout 20 "$BUILD/colonyctl" -s "$SOCK" status keep >"$T/full$i" 2>&1 & cpids="$cpids $!"; done
for p in $cpids; do wait "$p" || die "a client failed with the fd table full: $(cat "$T"/full*)"; done
waits=$(grep -c "the control socket waits" "$T/root.out" || true)
[ "$waits" -lt 200 ] || die "accept spun with the fd table full ($waits reports)"
kill -0 "$ROOT_PID" || die "root died with the fd table full"
grep "Too many open files" "$T/root.out" | sed 's/^/    /' | sort | uniq -c | head >&2
prlimit --pid "$ROOT_PID" --nofile=$soft:
# Answers again; the colonies that failed come up by the root's own restarts or a start.
timeout 20 "$BUILD/colonyctl" -s "$SOCK" status >/dev/null || die "root does not answer after the limit was raised"
for i in 1 2 3 4 5 6; do
	state_is "n$i" running || ctl start "n$i" >/dev/null 2>&1 || true
done
wait_for 30 all_running n1 n2 n3 n4 n5 n6 n1/s n6/s || die "colonies did not recover: $(ctl status)"
assert_eq "$(colony_pids | grep '^keep')" "$before" "keep touched"
# Back to the first file: the new colonies go, and the root holds what it held before.
v1 >"$CONF"
ctl reload >/dev/null || die "reload failed"
wait_for 30 eval '! ctl status n1 >/dev/null 2>&1' || die "n1 still there"
fds_settle "$fds"
assert_eq "$(colony_pids)" "$before" "keep touched"
stop_clean
exit 0
