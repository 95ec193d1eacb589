#!/usr/bin/env bash
# t_root_nopidfd.sh: a root short of fds watches some colonyds through SIGCHLD instead of a pidfd; those restart after a crash (also several at once), obey kill, stop and start, survive an upgrade in place and an adoption, stop with the rest, and leave no fd, zombie or namespace behind.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

N=12
NOFILE=96	# 12 sockets, a reserve of 64 + 96/8 = 76: room for 8 pidfds (tests/unit/test_fdbudget.c)
{
	supervisor_section
	for i in $(seq $N); do colony_ini "c$i" "restart_delay = 0"; done
} >"$CONF"
names=$(seq -f 'c%.0f' $N)

# Without CAP_SYS_RESOURCE (dropped from the bounding set) the root cannot raise its hard limit.
start_small() {
	setpriv --bounding-set -sys_resource prlimit --nofile=$NOFILE:$NOFILE \
		"$BUILD/colony-supervisor" -c "$CONF" >>"$T/root.out" 2>&1 &
	ROOT_PID=$!
	wait_for 10 test -S "$SOCK" || die "root did not start: $(cat "$T/root.out")"
}
# NAME WATCH lines: how the root watches each colony's colonyd.
watches() {
	ctl status --json | python3 -c 'import json, sys
for e in json.load(sys.stdin):
    if e["kind"] == "colony": print(e["name"], e["watch"])'
}
watched_by() { watches | awk -v w="$1" '$2 == w { print $1 }'; }
root_pidfds() { ls -l "/proc/$ROOT_PID/fd" | grep -c 'anon_inode:\[pidfd\]' || true; }
root_netns_fds() { ls -l "/proc/$ROOT_PID/fd" | grep -c 'net:\[' || true; }
no_zombies() { ! ps --ppid "$ROOT_PID" -o stat= | grep -q Z; }
# restarted_all NAME=PID...: each NAME runs again under another pid.
restarted_all() { local a; for a in "$@"; do restarted "${a%=*}" "${a#*=}" || return 1; done; }

start_small
wait_for 30 all_running $names || die "did not start: $(ctl status)"
assert_eq "$(prlimit --pid "$ROOT_PID" --nofile --noheadings --output=HARD | tr -d " ")" $NOFILE "hard limit"
sig=$(watched_by sigchld)
pfd=$(watched_by pidfd)
log "pidfd: $(echo $pfd); SIGCHLD: $(echo $sig)"
[ -n "$sig" ] || die "no colonyd without a pidfd: $(watches)"
[ -n "$pfd" ] || die "no colonyd with a pidfd: $(watches)"
assert_eq "$(grep -c 'watched through SIGCHLD' "$T/root.out")" 1 "the fallback is logged once"
assert_eq "$(root_pidfds)" "$(echo "$pfd" | wc -w)" "pidfds held"
assert_eq "$(root_netns_fds)" 0 "netns fds held"
metrics=$(ctl metrics) || die "metrics failed"
grep -qx "colony_supervisor_sigchld_colonyds $(echo "$sig" | wc -w)" <<<"$metrics" ||
	die "metrics: $(grep sigchld <<<"$metrics")"
fds=$(root_fds)
x=$(echo "$sig" | head -1)

# A crash of a colonyd without a pidfd: restarted by policy, counted, still supervised.
old=$(pid_of "$x")
kill -KILL "$old"
wait_for 10 restarted "$x" "$old" || die "$x not restarted: $(ctl status "$x")"
assert_eq "$(field "$x" 5)" 1 "restarts of $x"
wait_for 10 no_zombies || die "zombies: $(ps --ppid "$ROOT_PID" -o pid=,stat=,comm=)"

# Several at once: their SIGCHLDs merge, and each is still seen (through its gone link). TERM
# rounds are clean exits: no walk over all children for orphans comes to the rescue.
for round in KILL TERM KILL TERM; do
	pids=()
	for n in $(watched_by sigchld) $(watched_by pidfd); do pids+=("$n=$(pid_of "$n")"); done
	kill -$round $(printf '%s\n' "${pids[@]}" | cut -d= -f2)
	wait_for 20 restarted_all "${pids[@]}" || die "$round round: not all restarted: $(ctl status)"
done

# colonyctl kill reaches it by pid; stop and start; TERM is a clean exit, restarted as permanent.
# (The restarts above handed the pidfds out anew: pick a colony without one again.)
x=$(watched_by sigchld | head -1)
old=$(pid_of "$x")
ctl kill "$x" KILL || die "kill $x KILL failed"
wait_for 10 restarted "$x" "$old" || die "$x not restarted after colonyctl kill"
x=$(watched_by sigchld | head -1)
ctl stop "$x" >/dev/null || die "stop $x failed"
state_is "$x" stopped || die "$x not stopped: $(ctl status "$x")"
assert_eq "$(pid_of "$x" || true)" - "pid of a stopped colony"	# status exits 3: not running
ctl start "$x" >/dev/null || die "start $x failed"
x=$(watched_by sigchld | head -1)
old=$(pid_of "$x")
ctl kill "$x" TERM || die "kill $x TERM failed"
wait_for 10 restarted "$x" "$old" || die "$x not restarted after TERM"
wait_for 10 no_zombies || die "zombies: $(ps --ppid "$ROOT_PID" -o pid=,stat=,comm=)"
fds_settle "$fds"

# Upgrade in place: both kinds are taken over (the pidfds across exec, the others as children).
before=$(watches)
out=$(ctl upgrade 2>&1) || die "upgrade failed: $out"
assert_eq "$(watches)" "$before" "watches after the upgrade"
x=$(watched_by sigchld | head -1) y=$(watched_by pidfd | head -1)
a=$(pid_of "$x") b=$(pid_of "$y")
kill -KILL "$a" "$b"
wait_for 10 restarted_all "$x=$a" "$y=$b" || die "not restarted after the upgrade: $(ctl status)"
wait_for 10 no_zombies || die "zombies after the upgrade"
fds_settle "$fds"
assert_eq "$(root_netns_fds)" 0 "netns fds held after the upgrade"
assert_eq "$(watched_by sigchld | wc -l)" "$(echo "$sig" | wc -w)" "colonyds without a pidfd"

# Stop-all: every colonyd, with or without a pidfd, goes; nothing is left behind.
stop_clean

# Adoption: colonyds that are not our children get a pidfd whatever the budget.
start_small
wait_for 30 all_running $names || die "did not start again: $(ctl status)"
kill -KILL "$ROOT_PID"
wait "$ROOT_PID" 2>/dev/null || true
start_small
wait_for 30 all_running $names || die "not adopted: $(ctl status)"
assert_eq "$(watched_by pidfd | wc -l)" $N "adopted colonyds watched through a pidfd"
x=$(echo "$sig" | head -1)
old=$(pid_of "$x")
kill -KILL "$old"
wait_for 10 restarted "$x" "$old" || die "$x not restarted after the adoption"
assert_eq "$(watches | awk -v n="$x" '$1 == n { print $2 }')" sigchld "$x respawned without a pidfd"
pids=$(cg_pids "$(cg_v2)")
stop_root || die "shutdown after adoption"
# Adopted colonyds were not the root's children: their parent reaps them.
gone() { local p; for p in $pids; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
wait_for 10 gone || die "processes survived the shutdown: $(for p in $pids; do ps -o pid=,stat=,comm= -p "$p"; done)"
[ -d "$(cg_v2)" ] && die "cgroup $(cg_v2) left behind"
ls /run/netns/ | grep -q "^${NSPREFIX}" && die "netns left behind"
exit 0
