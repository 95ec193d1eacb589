#!/usr/bin/env bash
# t_net_reach.sh: two colonies on one network talk HTTP by address, the host reaches them through the bridge, a private colony cannot; restart keeps the link, stop removes it, shutdown removes the bridge.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"

CURL=/usr/bin/curl
{
	supervisor_section
	printf '[network lan]\nbridge = %s\nsubnet = %s/24\n' "$BR" "$NET_A"
	http_colony a "network = lan"
	http_colony b "network = lan"
	colony_ini p
} >"$CONF"
echo "served by a colony" >"$T/www/hello.txt"
start_root
wait_for 30 all_running a b p || die "did not start: $(ctl status)"

# Addresses: the lowest free ones in config order, the gateway (.1) never.
assert_eq "$(addr_of a)" "$NET_PFX.2" "a's address"
assert_eq "$(addr_of b)" "$NET_PFX.3" "b's address"
assert_eq "$(addr_of p)" "None" "a private colony has no address"
in_ns a ip -4 -o addr show eth0 | grep -q "inet $NET_PFX.2/24" || die "a's eth0: $(in_ns a ip -o addr)"
in_ns a ip -o link show eth0 | grep -q "state UP" || die "a's eth0 is not up"
in_ns a ip -4 route show default | grep -q "^default via $NET_PFX.1 dev eth0 " || die "a's default route: $(in_ns a ip -4 route)"

# The host end: deterministic name of at most 15 characters, enslaved to the bridge, up.
va=$(veth_of a)
[ ${#va} -le 15 ] || die "veth name $va is too long"
ip -o link show "$va" | grep -q "master $BR .*state UP" || die "veth $va: $(ip -o link show "$va")"
ip -4 -o addr show "$BR" | grep -q "inet $NET_PFX.1/24" || die "bridge lacks the gateway"

# The host reaches a colony through the bridge.
ip route get "$NET_PFX.2" | grep -q "dev $BR" || die "no host route through $BR"
wait_for 60 "$CURL" -sf "http://$NET_PFX.2:8000/hello.txt" || die "host cannot fetch from a"
assert_eq "$("$CURL" -sf "http://$NET_PFX.2:8000/hello.txt")" "served by a colony" "host fetch"

# Colony to colony, both ways, by address (curl runs inside the colony with colonyctl exec).
assert_eq "$(ctl exec b -- "$CURL" -sf --max-time 5 "http://$NET_PFX.2:8000/hello.txt")" \
    "served by a colony" "b fetches from a"
wait_for 60 ctl exec a -- "$CURL" -sf --max-time 5 "http://$NET_PFX.3:8000/hello.txt" ||
    die "a cannot fetch from b"
in_ns b "$CURL" -sf --max-time 5 "http://$NET_PFX.2:8000/hello.txt" >/dev/null ||
    die "ip netns exec into b cannot fetch from a"

# A private colony has only lo: it reaches neither colony.
assert_eq "$(in_ns p ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')" "lo " "private links"
rc=0; ctl exec p -- "$CURL" -s --max-time 3 "http://$NET_PFX.2:8000/hello.txt" || rc=$?
assert_ne "$rc" 0 "a private colony reached a"

# A colony restart keeps the veth (same ifindex) and the address.
idx=$(cat /sys/class/net/"$va"/ifindex)
cd_pid=$(pid_of a)
kill -KILL "$cd_pid"
wait_for 10 restarted a "$cd_pid" || die "a not restarted"
wait_for 10 state_is a/http running || die "a/http not running"
assert_eq "$(cat /sys/class/net/"$va"/ifindex)" "$idx" "veth kept across the restart"
assert_eq "$(addr_of a)" "$NET_PFX.2" "address kept across the restart"
wait_for 60 ctl exec b -- "$CURL" -sf --max-time 5 "http://$NET_PFX.2:8000/hello.txt" ||
    die "b cannot fetch from a after its restart"

# Stop removes both ends; start makes them again with the same name and address.
ctl stop a
ip link show "$va" >/dev/null 2>&1 && die "veth $va survived the stop"
[ -e "/run/netns/${NSPREFIX}a" ] && die "netns survived the stop"
ctl start a
ip -o link show "$va" | grep -q "master $BR" || die "veth $va not made again"
assert_eq "$(addr_of a)" "$NET_PFX.2" "address kept across stop and start"

# Shutdown: the bridge the root created goes, with every veth.
vb=$(veth_of b)
stop_root || die "root exit status $?"
ip link show "$BR" >/dev/null 2>&1 && die "bridge $BR survived shutdown"
ip link show "$va" >/dev/null 2>&1 && die "veth $va survived shutdown"
ip link show "$vb" >/dev/null 2>&1 && die "veth $vb survived shutdown"
exit 0
