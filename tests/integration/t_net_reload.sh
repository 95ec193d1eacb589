#!/usr/bin/env bash
# t_net_reload.sh: reload keeps a running colony's allocated address when one is added before it, restarts colonies whose network changed, deletes a removed network's bridge, and refuses a static address another running colony holds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"

B_PFX=${NET_B%.0}
lan() { printf '[network lan]\nbridge = %s\nsubnet = %s/24\n' "$BR" "${1:-$NET_A}"; }
wan() { printf '[network wan]\nbridge = %s\nsubnet = %s/24\n' "$BR2" "$NET_B"; }
{ supervisor_section; lan; colony_ini b "network = lan"; colony_ini q; } >"$CONF"
start_root
wait_for 30 all_running b q || die "did not start: $(ctl status)"
assert_eq "$(addr_of b)" "$NET_PFX.2" "b's first address"
b_pid=$(pid_of b)

# A colony added before b allocates around it: b's address does not move, b is not restarted.
{ supervisor_section; lan; colony_ini a "network = lan"; colony_ini b "network = lan"; colony_ini q; } >"$CONF"
out=$(ctl reload) || die "reload 1: $out"
wait_for 30 all_running a || die "a did not start: $(ctl status)"
assert_eq "$(addr_of b)" "$NET_PFX.2" "b's address after a was added before it"
assert_eq "$(addr_of a)" "$NET_PFX.3" "a takes the lowest free address"
assert_eq "$(pid_of b)" "$b_pid" "b restarted by an unrelated reload"
in_ns a ip -4 -o addr show eth0 | grep -q "inet $NET_PFX.3/24" || die "a's eth0"

# A static address that b holds while running: the whole reload is refused.
{ supervisor_section; lan; colony_ini a "network = lan"; colony_ini b "network = lan"
  colony_ini c "network = lan" "address = $NET_PFX.2"; colony_ini q; } >"$CONF"
rc=0; err=$(ctl reload 2>&1) || rc=$?
assert_eq "$rc" 1 "reload with a held address"
grep -q "colony c: address $NET_PFX.2 is in use by colony b" <<<"$err" || die "reload error: $err"
[ -z "$(ctl status c 2>/dev/null)" ] || die "c was added by a refused reload"

# a moves to a new network: a restarts there; b stays. d, added on lan by the same reload,
# does not get a's old address: a's netns still carried it when the reload was planned.
a_pid=$(pid_of a)
{ supervisor_section; lan; wan; colony_ini a "network = wan"; colony_ini b "network = lan"; colony_ini q
  colony_ini d "network = lan"; } >"$CONF"
out=$(ctl reload) || die "reload 2: $out"
grep -q "restarted a" <<<"$out" || die "a not restarted: $out"
wait_for 30 restarted a "$a_pid" || die "a did not come back: $(ctl status)"
assert_eq "$(addr_of a)" "$B_PFX.2" "a's address on wan"
assert_eq "$(addr_of d)" "$NET_PFX.4" "d's address skips the one a still had"
ip -o link show "$(veth_of a)" | grep -q "master $BR2 " || die "a's veth not on $BR2"
in_ns a ip -4 -o addr show eth0 | grep -q "inet $B_PFX.2/24" || die "a's eth0 on wan"
assert_eq "$(pid_of b)" "$b_pid" "b restarted by a's move"

# wan goes and a becomes private: wan's bridge (the root made it) is deleted.
a_pid=$(pid_of a)
{ supervisor_section; lan; colony_ini a; colony_ini b "network = lan"; colony_ini q; } >"$CONF"
out=$(ctl reload) || die "reload 3: $out"
grep -q "removed d" <<<"$out" || die "d not removed: $out"
wait_for 30 restarted a "$a_pid" || die "a did not come back private: $(ctl status)"
ip link show "$BR2" >/dev/null 2>&1 && die "removed network's bridge $BR2 survived"
assert_eq "$(addr_of a)" "None" "a private colony has no address"
assert_eq "$(in_ns a ip -o link show | grep -c .)" 1 "a's netns has only lo"

# lan's mtu changes: b restarts (its veth is made again) but keeps its address.
{ supervisor_section; lan; echo "mtu = 1400"; colony_ini a; colony_ini b "network = lan"; colony_ini q; } >"$CONF"
out=$(ctl reload) || die "reload 4: $out"
grep -q "restarted b" <<<"$out" || die "b not restarted by its network's mtu: $out"
wait_for 30 restarted b "$b_pid" || die "b did not come back: $(ctl status)"
assert_eq "$(addr_of b)" "$NET_PFX.2" "b's address across an mtu change"
in_ns b ip -o link show eth0 | grep -q "mtu 1400" || die "b's eth0 mtu: $(in_ns b ip -o link show eth0)"
b_pid=$(pid_of b)

# lan's subnet changes: b restarts with an address in the new subnet, the bridge moves too.
{ supervisor_section; lan "$NET_B"; colony_ini a; colony_ini b "network = lan"; colony_ini q; } >"$CONF"
out=$(ctl reload) || die "reload 5: $out"
grep -q "restarted b" <<<"$out" || die "b not restarted by its network's change: $out"
wait_for 30 restarted b "$b_pid" || die "b did not come back: $(ctl status)"
assert_eq "$(addr_of b)" "$B_PFX.2" "b's address in the new subnet"
in_ns b ip -4 -o addr show eth0 | grep -q "inet $B_PFX.2/24" || die "b's eth0 in the new subnet"
ip -4 -o addr show "$BR" | grep -q "inet $B_PFX.1/24" || die "bridge lacks the new gateway"
ip -4 -o addr show "$BR" | grep -q "inet $NET_PFX.1/" && die "bridge kept the old gateway"
stop_root || die "root exit status $?"
ip link show "$BR" >/dev/null 2>&1 && die "bridge $BR survived shutdown"
exit 0
