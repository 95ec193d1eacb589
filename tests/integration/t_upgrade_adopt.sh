#!/usr/bin/env bash
# t_upgrade_adopt.sh: after kill -9 of the root, colonyds keep supervising; a fresh root adopts every colony (same pids, no duplicates), also in backoff and while a service is stopping.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	counter_ini web
	colony_ini host "network = host"
	colony_ini iso "namespaces = pid mount"
	# A service that takes its time to stop (ignores SIGTERM for a while).
	printf '[service host/slow]\ncommand = /bin/sh -c "trap \\"sleep 2; exit 0\\" TERM; while :; do sleep 0.05; done"\nshutdown = 10s\n'
	# A colony whose colonyd keeps crashing is in backoff at the root.
	colony_ini flap "network = host" "restart_delay = 3s"
	# A colony whose colonyd dies while no root is there; its service outlives it.
	colony_ini lost "network = host"
} >"$CONF"
start_root
wait_for 10 all_running web web/count host host/s host/slow iso iso/s flap lost lost/s || die "did not start: $(ctl status)"

# flap: kill its colonyd, so that the root holds it in backoff when it dies.
kill -KILL "$(pid_of flap)"
wait_for 10 state_is flap backoff || die "flap not in backoff: $(ctl status flap)"
# host/slow: stopping when the root dies.
ctl stop --no-wait host/slow
wait_for 5 state_is host/slow stopping || die "host/slow not stopping"
before=$(ctl status web web/count host host/s iso | cut -f1,3 | sort)
iso_svc=$(pid_of iso/s)
lost_cd=$(pid_of lost)
lost_svc=$(pid_of lost/s)

stop_root KILL || true
# Without a root: a crashed service is restarted by its colonyd, and its log still flows.
svc=$(cat "$(cg_v2)/web/count/cgroup.procs" | head -1)
kill -KILL "$svc"
sleep 0.5
newsvc=$(cat "$(cg_v2)/web/count/cgroup.procs" | head -1)
[ -n "$newsvc" ] && [ "$newsvc" != "$svc" ] || die "web/count not restarted without a root"
kill -KILL "$lost_cd"
lines=$(wc -l <"$T/log/web/count.log")
sleep 0.3
[ "$(wc -l <"$T/log/web/count.log")" -gt "$lines" ] || die "no log lines without a root"

start_root
wait_for 10 all_running web web/count host host/s iso iso/s || die "not adopted: $(ctl status)"
for c in web host iso; do
	assert_eq "$(colonyd_count "$c")" 1 "colonyd processes of $c"
done
after=$(ctl status web web/count host host/s iso | cut -f1,3 | sort)
# web/count restarted meanwhile: every other pid is the same.
assert_eq "$(grep -v web/count <<<"$after")" "$(grep -v web/count <<<"$before")" "pids after adoption"
assert_eq "$(pid_of web/count)" "$newsvc" "web/count pid seen by the new root"
assert_eq "$(pid_of iso/s)" "$iso_svc" "host pid of a service in a pid namespace"
grep -q "adopted colonyd" "$T/root.out" || die "no adoption logged"

# The stopping service finished its stop under its colonyd; the flapping colony is started.
wait_for 10 state_is host/slow stopped || die "host/slow: $(ctl status host/slow)"
wait_for 10 state_is flap running || die "flap not started by the new root: $(ctl status flap)"
assert_eq "$(colonyd_count flap)" 1 "colonyd processes of flap"
# lost: its leftovers are cleaned up, then it starts afresh.
grep -q "colony lost: its colonyd died" "$T/root.out" || die "lost colonyd not detected"
wait_for 10 state_is lost/s running || die "lost not restarted: $(ctl status lost)"
assert_ne "$(pid_of lost/s)" "$lost_svc" "lost/s pid"
st=$(awk '/^State:/ { print $2 }' /proc/"$lost_svc"/status 2>/dev/null || true)
[ -z "$st" ] || [ "$st" = Z ] || die "the orphaned service of lost survived (state $st)"
assert_eq "$(colonyd_count lost)" 1 "colonyd processes of lost"

# The new root supervises the adopted colonyds: a crash is restarted.
old=$(pid_of host)
kill -KILL "$old"
wait_for 10 restarted host "$old" || die "host not restarted by the new root: $(ctl status host)"
assert_eq "$(colonyd_count host)" 1 "colonyd processes of host after its restart"
stop_root || die "shutdown after adoption"
exit 0
