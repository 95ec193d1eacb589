#!/usr/bin/env bash
# t_net_bridge.sh: a bridge that existed before the root is reused and left in place (only its gateway address goes); one the root made is deleted at shutdown.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"

ip link add "$BR" type bridge
ip link set "$BR" down
{
	supervisor_section
	printf '[network old]\nbridge = %s\nsubnet = %s/24\ngateway = %s.254\n' "$BR" "$NET_A" "$NET_PFX"
	printf '[network new]\nbridge = %s\nsubnet = %s/24\nmtu = 1400\n' "$BR2" "$NET_B"
	colony_ini x "network = old"
	colony_ini y "network = new" "address = ${NET_B%.0}.77"
} >"$CONF"
start_root
wait_for 30 all_running x y || die "did not start: $(ctl status)"
ip -o link show "$BR" | grep -q "state UP\|,UP" || die "reused bridge not brought up"
ip -4 -o addr show "$BR" | grep -q "inet $NET_PFX.254/24" || die "reused bridge lacks the gateway"
ip -o link show "$BR2" | grep -q "mtu 1400" || die "new bridge mtu: $(ip -o link show "$BR2")"
# gateway = .254, so allocation starts at .1; a static address is used as given.
assert_eq "$(addr_of x)" "$NET_PFX.1" "x's address"
assert_eq "$(addr_of y)" "${NET_B%.0}.77" "y's static address"
in_ns y ip -o link show eth0 | grep -q "mtu 1400" || die "y's eth0 lacks the network's mtu"
ip -o link show "$(veth_of x)" | grep -q "master $BR " || die "x's veth not on $BR"

stop_root || die "root exit status $?"
ip link show "$BR" >/dev/null 2>&1 || die "the pre-existing bridge $BR was deleted"
ip -4 -o addr show "$BR" | grep -q "$NET_PFX.254" && die "the root left its gateway address on $BR"
ip link show "$(veth_of x)" >/dev/null 2>&1 && die "x's veth survived shutdown"
ip link show "$BR2" >/dev/null 2>&1 && die "bridge $BR2 that the root created survived shutdown"
exit 0
