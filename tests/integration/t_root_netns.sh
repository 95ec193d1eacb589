#!/usr/bin/env bash
# t_root_netns.sh: a colony's netns survives colony restarts and `ip netns exec` enters it; a named network gives eth0 an address; stop destroys it.
source "$(dirname "$0")/lib.sh"

BR="b${ID:0:13}"
TEST_BRIDGES=$BR
NET="10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0"
{
	supervisor_section
	printf '[network lan]\nbridge = %s\nsubnet = %s/24\n' "$BR" "$NET"
	colony_ini priv
	colony_ini joined "network = lan"
	colony_ini fixed "network = lan" "address = ${NET%.0}.9"
} >"$CONF"
start_root
wait_for 10 all_running priv joined fixed || die "did not start: $(ctl status)"
ns=/run/netns/${NSPREFIX}priv
[ -e "$ns" ] || die "netns not published"
ino=$(stat -L -c %i "$ns")
links=$(ip netns exec "${NSPREFIX}priv" ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')
assert_eq "$links" "lo " "only lo in a private netns"
ip netns exec "${NSPREFIX}priv" ip -o link show lo | grep >/dev/null "UP" || die "lo is not up"
svc=$(pid_of priv/s)
assert_eq "$(stat -L -c %i /proc/"$svc"/ns/net)" "$ino" "the service runs in the published netns"

# A colony restart keeps the namespace: the new colonyd joins it.
cd_pid=$(pid_of priv)
kill -KILL "$cd_pid"
wait_for 10 restarted priv "$cd_pid" || die "priv not restarted"
wait_for 10 state_is priv/s running || die "priv/s not running"
assert_eq "$(stat -L -c %i "$ns")" "$ino" "netns kept across the restart"
assert_eq "$(stat -L -c %i /proc/"$(pid_of priv/s)"/ns/net)" "$ino" "new service in the same netns"

# Named network: the lowest free address (the gateway .1 is taken), a static one, eth0 up.
ip link show "$BR" >/dev/null || die "bridge $BR missing"
addr=$(ctl status joined --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
assert_eq "$addr" "${NET%.0}.2" "allocated address"
ip netns exec "${NSPREFIX}joined" ip -4 -o addr show eth0 | grep >/dev/null "${NET%.0}.2/24" || die "eth0 lacks the address"
ip netns exec "${NSPREFIX}fixed" ip -4 -o addr show eth0 | grep >/dev/null "${NET%.0}.9/24" || die "static address missing"

# Operator stop destroys the namespace; start makes a new one with the same address.
ctl stop joined
[ -e "/run/netns/${NSPREFIX}joined" ] && die "netns survived an operator stop"
ctl start joined
[ -e "/run/netns/${NSPREFIX}joined" ] || die "netns not recreated"
addr=$(ctl status joined --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
assert_eq "$addr" "${NET%.0}.2" "address kept"
stop_root || die "root exit status $?"
ip link show "$BR" >/dev/null 2>&1 && die "bridge the root created survived shutdown"
exit 0
