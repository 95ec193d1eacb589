#!/usr/bin/env bash
# t_fault_hup_storm.sh: 200 SIGHUPs in a tight loop while services in several colonies crash and restart: the root stays up, state stays consistent, no fd leaks.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

crashy() { printf '[colony %s]\nnetwork = host\nintensity = 100000\nperiod = 1s\n[service %s/loop]\ncommand = /bin/sh -c "sleep 0.05; exit 3"\nrestart_delay_max = 20ms\n' "$1" "$1"; }
{
	supervisor_section
	colony_ini calm1 "network = host"
	crashy crash1; crashy crash2; crashy crash3
	colony_ini calm2
} >"$CONF"
start_root
wait_for 30 all_running calm1 calm1/s calm2 calm2/s crash1 crash2 crash3 || die "did not start: $(ctl status)"
calm=$(colony_pids | grep '^calm') crash=$(colony_pids | grep -E '^crash[0-9]=')
restarts() { field crash1/loop 5 || true; }	# status exits 3 while the service is down
wait_for 30 eval '[ "$(restarts)" -ge 3 ]' || die "crash1/loop does not restart: $(ctl status crash1)"
fds=$(root_fds)

for _ in $(seq 200); do kill -HUP "$ROOT_PID"; done
r0=$(restarts)
wait_for 30 eval '[ "$(restarts)" -ge $((r0 + 3)) ]' || die "restarts stopped after the storm: $(ctl status crash1)"
kill -0 "$ROOT_PID" || die "root died"
# The configuration did not change, so nothing else did.
assert_eq "$(colony_pids | grep '^calm')" "$calm" "calm colonies touched"
assert_eq "$(colony_pids | grep -E '^crash[0-9]=')" "$crash" "crashing colonies' colonyds restarted"
# Consistent: every colony and service is listed once, in order, and status, --json and the cgroups agree.
assert_eq "$(ctl status | cut -f1 | tr '\n' ' ')" "calm1 calm1/s crash1 crash1/loop crash2 crash2/loop crash3 crash3/loop calm2 calm2/s " "status rows"
for c in calm1 crash1 crash2 crash3 calm2; do
	p=$(pid_of "$c")
	grep -qx "$p" "$(cg_v2)/$c/cgroup.procs" 2>/dev/null || grep -rqx "$p" --include=cgroup.procs "$(cg_v2)/$c" || die "colonyd $p of $c is not in its cgroup"
done
ctl status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d) == 10, d; assert all(e["state"] in ("running", "starting", "backoff", "stopping", "exited") for e in d), d'
grep -q "reload" "$T/root.out" || die "no reload reported"
out=$(ctl reload) || die "reload after the storm failed: $out"
fds_settle "$fds"
stop_clean
exit 0
