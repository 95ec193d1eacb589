#!/usr/bin/env bash
# t_upgrade_root.sh: colony-supervisor upgrades in place (colonyctl upgrade, SIGUSR2): same pids, no lost log line, status answers throughout; a broken new binary leaves the old one supervising.
source "$(dirname "$0")/lib.sh"

# The root runs from its own copy, so the test can replace the "installed" binary.
mkdir -p "$T/bin"
cp "$BUILD/colony-supervisor" "$T/bin/colony-supervisor"
{
	supervisor_section
	counter_ini web
	colony_ini db "network = host"
	colony_ini flap "network = host" "restart_delay = 3s"
} >"$CONF"
"$T/bin/colony-supervisor" -c "$CONF" >"$T/root.out" 2>&1 &
ROOT_PID=$!
wait_for 10 test -S "$SOCK" || die "root did not start"
wait_for 10 all_running web web/count db db/s flap || die "did not start: $(ctl status)"
# flap waits in backoff across the first upgrade: the new image fires its timer.
kill -KILL "$(pid_of flap)"
wait_for 10 state_is flap backoff || die "flap not in backoff"
sleep 0.3
before=$(ctl status web web/count db db/s | cut -f1,3 | sort)

status_loop "$T/loop" &
loop=$!
BG_PIDS=$loop
wait_for 10 calls_over "$T/loop" 0 || die "status loop did not start"
out=$(ctl upgrade 2>&1) || die "upgrade failed: $out"
grep -q "upgraded in place" <<<"$out" || die "upgrade answer: $out"
kill -USR2 "$ROOT_PID"
upgrades() { [ "$(grep -c 'upgraded in place' "$T/root.out")" -ge "$1" ]; }
wait_for 10 upgrades 2 || die "SIGUSR2 did not upgrade"
# A few more calls after the second upgrade, then stop.
n=$(wc -l <"$T/loop.calls")
wait_for 10 calls_over "$T/loop" $((n + 3)) || die "status loop stalled"
touch "$T/loop.stop"
wait "$loop"
BG_PIDS=""
read -r ok bad <"$T/loop"
log "status calls during the upgrades: $ok ok, $bad failed"
[ "$bad" = 0 ] || die "status failed $bad times: $(head -5 "$T/loop.err")"

kill -0 "$ROOT_PID" || die "the root is gone"
assert_eq "$(ctl status web web/count db db/s | cut -f1,3 | sort)" "$before" "pids after the upgrades"
wait_for 10 state_is flap running || die "flap not restarted after its backoff: $(ctl status flap)"
assert_eq "$(field flap 5)" 1 "restarts of flap (its budget and count carried over)"
assert_eq "$(field web/count 5)" 0 "restarts of web/count"
consecutive "$T/log/web/count.log" || die "lost log lines"

# The new image supervises: a colonyd crash is restarted, with the restored pidfd and budget.
db=$(pid_of db)
kill -KILL "$db"
wait_for 10 restarted db "$db" || die "db not restarted after the upgrade: $(ctl status)"

# A broken binary installed: the check fails, the old process goes on.
printf '#!/bin/sh\nexit 1\n' >"$T/bin/new"
chmod +x "$T/bin/new"
mv "$T/bin/new" "$T/bin/colony-supervisor"
before=$(ctl status | cut -f1,3 | sort)
rc=0; out=$(ctl upgrade 2>&1) || rc=$?
assert_eq "$rc" 1 "upgrade to a broken binary"
grep -q "still running the old binary" <<<"$out" || die "no clear report: $out"
kill -0 "$ROOT_PID" || die "the root is gone"
assert_eq "$(ctl status | cut -f1,3 | sort)" "$before" "pids after the failed upgrade"
db=$(pid_of db)
kill -KILL "$db"
wait_for 10 restarted db "$db" || die "db not restarted after the failed upgrade"

# A binary that cannot be executed at all.
rm "$T/bin/colony-supervisor"
rc=0; ctl upgrade >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "upgrade to a missing binary"
ctl status >/dev/null || die "status after the failed upgrade"
consecutive "$T/log/web/count.log" || die "lost log lines"
stop_root || die "shutdown after the upgrades"
exit 0
