#!/usr/bin/env bash
# t_root_reload.sh: reload adds, removes and restarts only what changed, passes service changes to colonyd, and rejects a bad file whole.
source "$(dirname "$0")/lib.sh"

v1() {
	supervisor_section
	colony_ini keep "network = host"
	colony_ini change "network = host"
	colony_ini svc "network = host"
	colony_ini gone "network = host"
}
v1 >"$CONF"
start_root
wait_for 10 all_running keep keep/s change svc svc/s gone || die "did not start: $(ctl status)"
keep=$(pid_of keep) keep_s=$(pid_of keep/s) change=$(pid_of change) svc=$(pid_of svc) svc_s=$(pid_of svc/s)

{
	supervisor_section
	colony_ini keep "network = host"
	colony_ini change "network = host" "pids_max = 100"
	colony_ini svc "network = host"
	printf '[service svc/extra]\ncommand = %s/stamp\n' "$BUILD"
	colony_ini new "network = host"
} >"$CONF"
out=$(ctl reload) || die "reload failed: $out"
log "reload said: $(echo "$out" | tr '\n' ';')"
grep >/dev/null <<<"$out" -x "added new" || die "no 'added new'"
grep >/dev/null <<<"$out" -x "removed gone" || die "no 'removed gone'"
grep >/dev/null <<<"$out" -x "restarted change" || die "no 'restarted change'"
wait_for 10 all_running new new/s svc/extra || die "new things not running: $(ctl status)"
wait_for 10 restarted change "$change" || die "change not restarted"
wait_for 10 eval '! ctl status gone >/dev/null 2>&1' || die "gone still there"
rc=0; ctl status gone 2>/dev/null || rc=$?; assert_eq "$rc" 4 "removed colony is unknown"
[ -d "$(cg_v2)/gone" ] && die "cgroup of the removed colony left behind"
assert_eq "$(pid_of keep)" "$keep" "keep untouched"
assert_eq "$(pid_of keep/s)" "$keep_s" "keep/s untouched"
assert_eq "$(pid_of svc)" "$svc" "svc's colonyd untouched"
assert_eq "$(pid_of svc/s)" "$svc_s" "svc/s untouched"
assert_eq "$(ctl status | cut -f1 | tr '\n' ' ')" "keep keep/s change change/s svc svc/s svc/extra new new/s " "order"

# A bad file changes nothing and says FILE:LINE.
cp "$CONF" "$T/good.ini"
printf '[colony broken]\nbogus_key = 1\n' >>"$CONF"
rc=0; err=$(ctl reload 2>&1) || rc=$?
assert_eq "$rc" 1 "reload of a bad file"
grep >/dev/null <<<"$err" "^$CONF:[0-9]*: " || die "no FILE:LINE: message: $err"
assert_eq "$(pid_of keep)" "$keep" "keep untouched by a failed reload"

# SIGHUP reloads too: back to the first file.
v1 >"$CONF"
kill -HUP "$ROOT_PID"
wait_for 10 all_running gone gone/s || die "SIGHUP did not bring gone back: $(ctl status)"
wait_for 10 eval '! ctl status new >/dev/null 2>&1' || die "new not removed"
assert_eq "$(pid_of keep)" "$keep" "keep untouched by SIGHUP"
stop_root || die "root exit status $?"
