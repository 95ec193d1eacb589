#!/usr/bin/env bash
# t_net_adopt.sh: a root started after a crash adopts colonies on a named network with their addresses,
# and at shutdown deletes the bridge its predecessor created (recorded under state_dir/bridges).
source "$(dirname "$0")/lib.sh"
BR="cb${ID: -8}"
TEST_BRIDGES=$BR
NET="10.252.$((RANDOM % 250))"
{
	supervisor_section
	printf '[network n]\nbridge = %s\nsubnet = %s.0/24\n' "$BR" "$NET"
	printf '[colony a]\nnetwork = n\n[service a/s]\ncommand = sleep 100000\n'
	printf '[colony b]\nnetwork = n\n[service b/s]\ncommand = sleep 100000\n'
} >"$CONF"
addr() { ctl status --json | python3 -c 'import json,sys; print({e["name"]: e.get("address") for e in json.load(sys.stdin)}[sys.argv[1]])' "$1"; }

start_root
wait_for 10 all_running a b a/s b/s || die "did not start: $(ctl status)"
a1=$(addr a); b1=$(addr b); pa=$(pid_of a); pb=$(pid_of b)
assert_eq "$a1" "$NET.2" "a's address"
assert_eq "$b1" "$NET.3" "b's address"
grep -qx created "$T/state/bridges/$BR" || die "bridge not recorded as ours"

kill -9 "$ROOT_PID"; wait "$ROOT_PID" 2>/dev/null || true
rm -f "$SOCK"
start_root
wait_for 10 all_running a b a/s b/s || die "not adopted: $(ctl status)"
assert_eq "$(pid_of a)" "$pa" "a adopted, not restarted"
assert_eq "$(pid_of b)" "$pb" "b adopted, not restarted"
assert_eq "$(addr a)" "$a1" "a's address after adoption"
assert_eq "$(addr b)" "$b1" "b's address after adoption"
inside=$(ip netns exec "${NSPREFIX}b" ip -4 -o addr show eth0 | awk '{ print $4 }')
assert_eq "$inside" "$b1/24" "b's eth0"

stop_root || die "root exit status $?"
ip link show "$BR" >/dev/null 2>&1 && die "the adopting root left the bridge its predecessor made"
[ -e "$T/state/bridges/$BR" ] && die "bridge record left behind"
exit 0
