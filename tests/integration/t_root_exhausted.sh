#!/usr/bin/env bash
# t_root_exhausted.sh: on_exhausted = shutdown stops everything and exits 3, leaving nothing behind.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section "intensity = 1" "on_exhausted = shutdown"
	colony_ini ok
	printf '[colony loop]\nnetwork = host\nintensity = 0\n[service loop/s]\ncommand = /bin/sh -c "sleep 0.1; exit 1"\n'
} >"$CONF"
start_root
wait_for 10 state_is ok running || die "ok did not start"
svc=$(pid_of ok/s)
rc=0
for _ in $(seq 200); do kill -0 "$ROOT_PID" 2>/dev/null || break; sleep 0.05; done
wait "$ROOT_PID" || rc=$?
ROOT_PID=""
assert_eq "$rc" 3 "root exit status"
kill -0 "$svc" 2>/dev/null && die "ok/s survived"
[ -d "$(cg_v2)" ] && die "cgroup left behind"
[ -e "/run/netns/${NSPREFIX}ok" ] && die "netns left behind"
[ -S "$SOCK" ] && die "control socket left behind"
exit 0
