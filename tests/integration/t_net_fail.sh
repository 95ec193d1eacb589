#!/usr/bin/env bash
# t_net_fail.sh: a colony whose veth cannot be made fails to start with an error naming colony, link and netlink error, leaving no netns and no veth; the others run; it starts once the obstacle goes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"

vx=$(veth_of x)
ip link add "$vx" type bridge		# the host end's name is taken
EXTRA_LINKS="$vx"
{
	supervisor_section "intensity = 1000" "period = 1s"
	printf '[network lan]\nbridge = %s\nsubnet = %s/24\n' "$BR" "$NET_A"
	colony_ini x "network = lan" "restart_delay = 200ms"
	colony_ini y "network = lan"
} >"$CONF"
start_root
wait_for 30 all_running y || die "y did not start: $(ctl status)"
wait_for 30 grep -q "colony x: network: veth $vx: add: .*exists" "$T/root.out" ||
    die "no error naming colony, veth and netlink error: $(cat "$T/root.out")"
state_is x running && die "x runs without its network"
[ -e "/run/netns/${NSPREFIX}x" ] && die "a failed set-up left its netns published"
ip -d -o link show "$vx" | grep -q "bridge " || die "the obstacle was replaced"
assert_eq "$(ip -o link show master "$BR" | grep -c .)" 1 "only y's veth on the bridge"
# x still holds its planned address, and y was not given it.
assert_eq "$(addr_of x)" "$NET_PFX.2" "x's address"
assert_eq "$(addr_of y)" "$NET_PFX.3" "y's address"

ip link del "$vx"
state_is x failed && ctl start x
wait_for 30 all_running x || die "x did not start once its veth name was free: $(ctl status)"
ip -o link show "$vx" | grep -q "master $BR" || die "x's veth not on the bridge"
in_ns x ip -4 -o addr show eth0 | grep -q "inet $NET_PFX.2/24" || die "x's eth0"
stop_root || die "root exit status $?"
exit 0
