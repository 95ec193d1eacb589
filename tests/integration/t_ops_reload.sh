#!/usr/bin/env bash
# t_ops_reload.sh: reload changes exactly what the file changed at both levels (summary lines, pids kept), and a file with an error after valid changes changes nothing.
source "$(dirname "$0")/lib.sh"

svc() { printf '[service %s]\ncommand = %s/stamp%s\n' "$1" "$BUILD" "${2:-}"; }
{
	supervisor_section
	printf '[colony a]\nnetwork = host\n'
	svc a/x; svc a/y; svc a/z
	printf '[colony b]\nnetwork = private\n'
	svc b/s
	printf '[colony c]\nnetwork = host\n'
	svc c/s
} >"$CONF"
start_root
wait_for 10 all_running a a/x a/y a/z b b/s c c/s || die "did not start: $(ctl status)"
declare -A pid
for n in a a/x a/y a/z b b/s c c/s; do pid[$n]=$(pid_of $n); done
bns=$(readlink /proc/"${pid[b]}"/ns/net)

# a: y changed, z removed, w added (colonyd's work); c: a colony-level key changed; d: new; b: untouched.
{
	supervisor_section
	printf '[colony a]\nnetwork = host\n'
	svc a/x; svc a/y " changed"; svc a/w
	printf '[colony b]\nnetwork = private\n'
	svc b/s
	printf '[colony c]\nnetwork = host\ncpu_weight = 50\n'
	svc c/s
	printf '[colony d]\nnetwork = host\n'
	svc d/s
} >"$CONF"
out=$(ctl reload) || die "reload failed: $out"
log "reload said: $(echo "$out" | tr '\n' ';')"
assert_eq "$(echo "$out" | sort | tr '\n' ';')" "added a/w;added d;removed a/z;restarted a/y;restarted c;" "reload summary"
wait_for 10 all_running a/w a/y c c/s d d/s || die "not running after reload: $(ctl status)"
wait_for 10 restarted a/y "${pid[a/y]}" || die "a/y not restarted"
wait_for 10 restarted c "${pid[c]}" || die "c not restarted"
rc=0; ctl status a/z 2>/dev/null || rc=$?; assert_eq "$rc" 4 "a/z removed"
kill -0 "${pid[a/z]}" 2>/dev/null && die "a/z's process survived its removal"
for n in a a/x b b/s; do assert_eq "$(pid_of $n)" "${pid[$n]}" "$n untouched"; done
assert_eq "$(readlink /proc/"${pid[b]}"/ns/net)" "$bns" "b keeps its netns"
assert_eq "$(ctl status | cut -f1 | tr '\n' ' ')" "a a/x a/y a/w b b/s c c/s d d/s " "order after reload"

# An error after valid changes: nothing at all changes.
for n in a a/x a/y a/w b c d d/s; do pid[$n]=$(pid_of $n); done
cp "$CONF" "$T/good.ini"
{
	supervisor_section
	printf '[colony a]\nnetwork = host\n'
	svc a/x " again"
	printf '[colony e]\nnetwork = host\n'
	svc e/s
	printf '[colony b]\nnetwork = private\nrestart = sometimes\n'
	svc b/s
} >"$CONF"
rc=0; err=$(ctl reload 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "bad reload"
line=$(grep -n "sometimes" "$CONF" | cut -d: -f1)
grep -q "^$CONF:$line: " <<<"$err" || die "not FILE:LINE ($CONF:$line): $err"
rc=0; ctl status e >/dev/null 2>&1 || rc=$?; assert_eq "$rc" 4 "e was not added"
for n in a a/x a/y a/w b c d d/s; do assert_eq "$(pid_of $n)" "${pid[$n]}" "$n untouched by a bad reload"; done
assert_eq "$(ctl status | cut -f1 | tr '\n' ' ')" "a a/x a/y a/w b b/s c c/s d d/s " "nothing removed"

# A colony added back while its removal is still stopping is skipped, and added by the next reload.
cp "$T/good.ini" "$CONF"
printf '[colony slow]\nnetwork = host\n[service slow/s]\nshutdown = 2s\ncommand = sh -c "trap \\"\\" TERM; while :; do sleep 0.1; done"\n' >>"$CONF"
ctl reload >/dev/null || die "reload adding slow"
wait_for 10 all_running slow slow/s || die "slow did not start"
cp "$T/good.ini" "$CONF"
assert_eq "$(ctl reload)" "removed slow" "removing slow"
printf '[colony slow]\nnetwork = host\n[service slow/s]\ncommand = %s/stamp\n' "$BUILD" >>"$CONF"
out=$(ctl reload) || die "reload during the removal"
grep -q "^skipped slow: " <<<"$out" || die "not skipped: $out"
wait_for 15 eval '[ "$(ctl reload)" = "added slow" ]' || die "slow never added back"
wait_for 10 all_running slow slow/s || die "slow not running again"
stop_root || die "root exit status $?"
