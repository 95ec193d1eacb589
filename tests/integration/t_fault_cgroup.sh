#!/usr/bin/env bash
# t_fault_cgroup.sh: a colony whose cgroup cannot be created (cgroup.max.descendants reached) fails with a message naming it and mkdir; others are unaffected; it starts once room returns.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

v1() { supervisor_section; colony_ini a "network = host"; colony_ini b "network = host"; }
v1 >"$CONF"
start_root
wait_for 30 all_running a a/s b b/s || die "did not start: $(ctl status)"
before=$(colony_pids)
fds=$(root_fds)
# No room for another cgroup anywhere under the test's tree.
CG=$(cg_v2)
n=$(find "$CG" -mindepth 1 -type d | wc -l)
echo "$n" >"$CG/cgroup.max.descendants"
{ v1; colony_ini new "network = host"; } >"$CONF"
out=$(ctl reload) || die "reload failed: $out"
wait_for 30 eval 'grep -q "colony new.*mkdir.*Resource temporarily unavailable" "$T/root.out"' || die "no message naming the colony and mkdir: $(cat "$T/root.out")"
wait_for 30 eval '[ "$(field new 2)" = failed ] || [ "$(field new 2)" = backoff ]' || die "new is $(field new 2)"
assert_eq "$(pid_of new)" "-" "new has a pid"
assert_eq "$(colony_pids | grep -v '^new')" "$before" "other colonies touched"
# A service's cgroup inside a running colony cannot be made either: that service fails, the colony and its other services run on.
{ supervisor_section; colony_ini a "network = host"; colony_ini b "network = host"; printf '[service b/more]\ncommand = %s/stamp\n' "$BUILD"; colony_ini new "network = host"; } >"$CONF"
out=$(ctl reload) || die "second reload failed: $out"
wait_for 30 eval '[ "$(field b/more 2)" = failed ] || [ "$(field b/more 2)" = backoff ]' || die "b/more is $(field b/more 2): $(ctl status b)"
wait_for 30 grep -q "b/more: cgroup mkdir.*Resource temporarily unavailable" "$T/root.out" || die "no message for b/more"
assert_eq "$(colony_pids | grep -v '^new\|^b/more')" "$before" "other colonies touched"
kill -0 "$ROOT_PID" || die "root died"
# Room again: both start.
echo max >"$CG/cgroup.max.descendants"
ctl start new || die "new did not start: $(ctl status new)"
ctl start b/more || die "b/more did not start"
wait_for 30 all_running new new/s b/more || die "not running after room returned: $(ctl status)"
assert_eq "$(colony_pids | grep -v '^new\|^b/more')" "$before" "other colonies touched"
stop_clean
exit 0
