#!/usr/bin/env bash
# t_root_pid1.sh: colony-supervisor as PID 1 of a new pid namespace reaps every orphan (no zombies) and shuts down cleanly.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	colony_ini web "network = host"
} >"$CONF"
unshare --pid --fork --mount-proc --kill-child=TERM "$BUILD/colony-supervisor" -c "$CONF" >"$T/root.out" 2>&1 &
ROOT_PID=$!	# unshare; the root is its only child
wait_for 10 test -S "$SOCK" || die "root did not start"
wait_for 10 state_is web running || die "web did not start"
root=$(cat /proc/"$ROOT_PID"/task/"$ROOT_PID"/children | tr -d ' ')
[ -n "$root" ] || die "no root pid"
grep >/dev/null "^NSpid:.*[[:space:]]1$" /proc/"$root"/status || die "the root is not PID 1 in its namespace"

# Orphans: double-forked processes inside the namespace are reparented to PID 1.
for _ in $(seq 20); do
	nsenter --target "$root" --pid --mount /bin/sh -c '(sleep 0.05 &) ; (true &)'
done
sleep 0.5
zombies=0
for p in $(cat /proc/"$root"/task/*/children); do
	grep >/dev/null "^State:.*Z" /proc/"$p"/status 2>/dev/null && zombies=$((zombies + 1))
done
assert_eq "$zombies" 0 "zombie children of PID 1"

# A colonyd killed under PID 1 is still restarted (its exit was not eaten by the reaper).
# Pids in `status` are the namespace's: find colonyd's host pid among PID 1's children.
host_cd=$(cat /proc/"$root"/task/"$root"/children | tr -d ' ')
tr "\\0" " " </proc/"$host_cd"/cmdline 2>/dev/null | grep >/dev/null -- "--colony web" || die "no colonyd child: '$host_cd'"
ns_cd=$(pid_of web)
kill -KILL "$host_cd"
wait_for 10 restarted web "$ns_cd" || die "web not restarted under PID 1"

kill -TERM "$root"
rc=0; wait "$ROOT_PID" || rc=$?
ROOT_PID=""
assert_eq "$rc" 0 "exit status"
[ -d "$(cg_v2)" ] && die "cgroup left behind"
exit 0
