#!/usr/bin/env bash
# t_root_shutdown.sh: SIGTERM stops everything in reverse order, exits 0, and leaves no process, cgroup, netns or socket.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	colony_ini one
	printf '[colony two]\n[service two/tree]\ncommand = /bin/sh -c "sleep 1000 & exec %s/stamp"\n' "$BUILD"
	colony_ini three "namespaces = uts ipc pid mount"
} >"$CONF"
start_root
wait_for 10 all_running one two three two/tree three/s || die "did not start: $(ctl status)"
tree_up() { [ "$(cg_pids "$(cg_v2)/two" | wc -l)" -ge 3 ]; }
wait_for 5 tree_up || die "tree not spawned"
pids=$(cg_pids "$(cg_v2)")
[ -n "$pids" ] || die "no processes seen"
ls /run/netns/ | grep >/dev/null "^${NSPREFIX}" || die "no netns published"
rc=0; stop_root TERM || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
# Gone, or a zombie: it has exited (the root saw every cgroup empty) and waits for init to reap
# it, which on a busy host can come after the root's own exit.
alive() { local st; st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]; }
for p in $pids; do alive "$p" && die "process $p survived the shutdown: $(grep '^State' "/proc/$p/status")"; done
[ -d "$(cg_v2)" ] && die "cgroup $(cg_v2) left behind"
for c in memory pids cpu; do [ -d "/sys/fs/cgroup/$c/$CGNAME" ] && die "v1 $c cgroup left behind"; done
ls /run/netns/ | grep >/dev/null "^${NSPREFIX}" && die "netns left behind"
[ -e "$SOCK" ] && die "control socket left behind"
grep >/dev/null "exiting with status 0" "$T/root.out" || die "no exit message"
exit 0
