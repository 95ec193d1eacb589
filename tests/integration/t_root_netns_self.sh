#!/usr/bin/env bash
# t_root_netns_self.sh: a private colony's first colonyd makes its own netns (--new-netns) and the root names that one under /run/netns; a colony restart joins it; a new root names a colonyd's unnamed namespace when it adopts it.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	colony_ini priv
	colony_ini other
} >"$CONF"
start_root
wait_for 10 all_running priv priv/s other other/s || die "did not start: $(ctl status)"
ns=/run/netns/${NSPREFIX}priv
ino=$(stat -L -c %i "$ns") || die "netns not published"
cd_pid=$(pid_of priv)
tr '\0' ' ' <"/proc/$cd_pid/cmdline" | grep -q -- '--new-netns' || die "colonyd was not asked to make its netns"
assert_eq "$(stat -L -c %i "/proc/$cd_pid/ns/net")" "$ino" "the published netns is colonyd's"
assert_eq "$(stat -L -c %i "/proc/$(pid_of priv/s)/ns/net")" "$ino" "the service runs in it"
assert_ne "$ino" "$(stat -L -c %i /proc/self/ns/net)" "the colony's netns is not the host's"
assert_ne "$ino" "$(stat -L -c %i "/run/netns/${NSPREFIX}other")" "each colony has its own"
ip netns exec "${NSPREFIX}priv" ip -o link show lo | grep -q "UP" || die "lo is not up"

# A colony restart joins the named namespace: no new one.
kill -KILL "$cd_pid"
wait_for 10 restarted priv "$cd_pid" || die "priv not restarted"
wait_for 10 state_is priv/s running || die "priv/s not running"
tr '\0' ' ' <"/proc/$(pid_of priv)/cmdline" | grep -q -- '--new-netns' && die "a restarted colonyd made a new netns"
assert_eq "$(stat -L -c %i "/proc/$(pid_of priv)/ns/net")" "$ino" "the new colonyd joined the named netns"

# A namespace the root never named (it died before colonyd's HELLO; here the name is
# removed while no root runs): the next root names colonyd's namespace when it adopts it.
cd_pid=$(pid_of priv)
stop_root KILL || true
umount "$ns" && rm -f "$ns" || die "cannot remove the name $ns"
start_root
wait_for 10 all_running priv priv/s other other/s || die "not adopted: $(ctl status)"
assert_eq "$(pid_of priv)" "$cd_pid" "priv adopted, not restarted"
assert_eq "$(stat -L -c %i "$ns" 2>/dev/null)" "$ino" "the adopted colonyd's netns is named again"
stop_root || die "root exit status $?"
[ -e "$ns" ] && die "netns name survived shutdown"
exit 0
