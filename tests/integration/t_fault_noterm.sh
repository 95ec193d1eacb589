#!/usr/bin/env bash
# t_fault_noterm.sh: a service that ignores SIGTERM is killed through cgroup.kill once its shutdown time is up, by stop and by the root's shutdown.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

# An ignored signal stays ignored across execve, so stamp itself ignores SIGTERM.
deaf() { printf '[service %s]\ncommand = /bin/sh -c "trap \\"\\" TERM; exec %s/stamp"\n' "$1" "$BUILD"; for l in "${@:2}"; do echo "$l"; done; }
{
	supervisor_section
	colony_ini other "network = host"
	echo "[colony deaf]"; echo "network = host"; echo "shutdown = 1s"
	deaf deaf/svc "shutdown = 500ms"
	deaf deaf/forever "shutdown = infinity"
} >"$CONF"
start_root
wait_for 30 all_running other other/s deaf deaf/svc deaf/forever || die "did not start: $(ctl status)"
ign=$(awk '/^SigIgn:/ { print $2 }' /proc/"$(pid_of deaf/svc)"/status)
(( 0x$ign & (1 << 14) )) || die "the service does not ignore SIGTERM (SigIgn $ign)"
before=$(colony_pids | grep -v '^deaf')
fds=$(root_fds)

# stop: SIGTERM is ignored, so cgroup.kill ends it after 500 ms.
p=$(pid_of deaf/svc)
ctl stop deaf/svc || die "stop failed"

state_is deaf/svc stopped || die "deaf/svc is $(field deaf/svc 2)"
kill -0 "$p" 2>/dev/null && die "deaf/svc survived its stop"
# start and restart return once the service runs (again): colonyctl waits for the state, not just colonyd's reply.
ctl start deaf/svc || die "start failed"
state_is deaf/svc running || die "deaf/svc is $(field deaf/svc 2) after start"
p=$(pid_of deaf/svc)
ctl restart deaf/svc || die "restart failed"
restarted deaf/svc "$p" || die "deaf/svc is $(field deaf/svc 2) after restart"

# The root's shutdown: deaf/forever waits forever for its SIGTERM, so the colony's 1 s runs out and the root kills the colony's cgroup.
assert_eq "$(colony_pids | grep -v '^deaf')" "$before" "other colonies touched"
fds_settle "$fds"
kill -0 "$ROOT_PID" || die "root died"
stop_clean
exit 0
