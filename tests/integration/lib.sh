# lib.sh: helpers for integration tests: a private root instance with unique names, waits, and cleanup.
# Source it first; then write_config, start_root, and use ctl / wait_for / assert helpers.
set -euo pipefail
BUILD=${BUILD:?}
ID="t$$$(printf '%04x' $RANDOM)"		# unique per test instance
T=$(mktemp -d "/tmp/colony-$ID.XXXX")
CONF=$T/colony.ini
SOCK=$T/control.sock
CGNAME="colonytest-$ID"
NSPREFIX="ct$ID-"
ROOT_PID=""
export COLONY_SOCKET=$SOCK
# Sanitizer builds (make check SANITIZE=1) report into $T/san, where cleanup notices them:
# a daemon's report would otherwise vanish in its output while the test still passes.
mkdir -p "$T/san"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$T/san/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$T/san/ubsan"

log() { echo "# $*" >&2; }
die() { echo "FAIL: $*" >&2; exit 1; }

# The [supervisor] section every test starts from; extra lines as arguments.
supervisor_section() {
	cat <<EOT
[supervisor]
state_dir = $T/state
control_socket = $SOCK
log_dir = $T/log
cgroup_name = $CGNAME
netns_prefix = $NSPREFIX
colonyd = $BUILD/colonyd
EOT
	for l in "$@"; do echo "$l"; done
}

start_root() {
	# shellcheck disable=SC2086 # ROOT_WRAPPER: a diagnostic wrapper that keeps the pid (valgrind), split on spaces
	${ROOT_WRAPPER:-} "$BUILD/colony-supervisor" -c "$CONF" >"$T/root.out" 2>&1 &
	ROOT_PID=$!
	wait_for 10 test -S "$SOCK" || { cat "$T/root.out" >&2; die "root did not start"; }
}

ctl() { "$BUILD/colonyctl" -s "$SOCK" "$@"; }

# wait_for SECONDS CMD...: retry CMD every 20 ms until it succeeds.
wait_for() {
	local limit=$1; shift
	local end=$(( $(date +%s%N) + limit * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	return 1
}

# field NAME COLUMN: a column of `colonyctl status NAME` (2 = state, 3 = pid, 5 = restarts).
field() { ctl status "$1" 2>/dev/null | awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }'; }
state_is() { [ "$(field "$1" 2)" = "$2" ]; }
pid_of() { field "$1" 3; }

assert_eq() { [ "$1" = "$2" ] || die "${3:-values differ}: '$1' != '$2'"; }
assert_ne() { [ "$1" != "$2" ] || die "${3:-values equal}: '$1'"; }

cleanup() {
	local rc=$?
	set +e	# every step runs, whatever the one before it returned
	if [ -n "${BG_PIDS:-}" ]; then kill $BG_PIDS 2>/dev/null; wait $BG_PIDS 2>/dev/null || true; fi
	if [ -n "$ROOT_PID" ] && kill -0 "$ROOT_PID" 2>/dev/null; then
		kill -TERM "$ROOT_PID" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$ROOT_PID" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$ROOT_PID" 2>/dev/null || true
	fi
	# Anything the test's cgroups still hold dies; then the cgroups and netns go.
	local v2=/sys/fs/cgroup
	[ -d /sys/fs/cgroup/unified ] && v2=/sys/fs/cgroup/unified
	if [ -d "$v2/$CGNAME" ]; then
		find "$v2/$CGNAME" -name cgroup.kill | while read -r k; do echo 1 >"$k" 2>/dev/null || true; done
		sleep 0.1
		find "$v2/$CGNAME" -depth -type d -exec rmdir {} + 2>/dev/null || true
	fi
	for c in memory pids cpu; do
		[ -d "/sys/fs/cgroup/$c/$CGNAME" ] && find "/sys/fs/cgroup/$c/$CGNAME" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	for n in /run/netns/"$NSPREFIX"*; do [ -e "$n" ] && ip netns del "$(basename "$n")" 2>/dev/null || true; done
	# Bridges a test names in TEST_BRIDGES go even when the root never got to shut down.
	for b in ${TEST_BRIDGES:-}; do ip link del "$b" 2>/dev/null || true; done
	# Any sanitizer report, from any process of the test, fails it.
	if compgen -G "$T/san/*" >/dev/null; then
		for f in "$T"/san/*; do echo "--- sanitizer report $f" >&2; head -60 "$f" >&2; done
		[ $rc -ne 0 ] || rc=1
	fi
	if [ $rc -ne 0 ]; then
		echo "--- root output" >&2; tail -50 "$T/root.out" >&2 2>/dev/null || true
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

# --- root-level helpers (added with the colony-supervisor tests) ---

# stop_root [SIGNAL]: signal the root, wait for it, and return its exit status.
stop_root() {
	local rc=0
	kill -"${1:-TERM}" "$ROOT_PID" 2>/dev/null || true
	wait "$ROOT_PID" || rc=$?
	ROOT_PID=""
	return $rc
}

# colony_ini NAME [KEY=VALUE...] : a [colony] section with one idle service NAME/s (build/stamp).
colony_ini() {
	local n=$1; shift
	echo "[colony $n]"
	for l in "$@"; do echo "$l"; done
	printf '[service %s/s]\ncommand = %s/stamp\n' "$n" "$BUILD"
}

all_running() { local n; for n in "$@"; do state_is "$n" running || return 1; done; }

# restarted NAME OLDPID: NAME runs again with another pid.
restarted() { local p; p=$(pid_of "$1"); [ -n "$p" ] && [ "$p" != - ] && [ "$p" != "$2" ] && state_is "$1" running; }

# The v2 cgroup directory of the test's tree.
cg_v2() { if [ -d /sys/fs/cgroup/unified ]; then echo "/sys/fs/cgroup/unified/$CGNAME"; else echo "/sys/fs/cgroup/$CGNAME"; fi; }

# Every pid in a cgroup subtree.
cg_pids() { find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u; }

# --- upgrade and adoption helpers (t_upgrade_*.sh) ---

# counter_ini COLONY [KEY=VALUE...]: a colony whose service "count" writes 1, 2, 3... every 10 ms.
counter_ini() {
	local n=$1; shift
	printf '#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo "$i"; sleep 0.01; done\n' >"$T/count.sh"
	chmod +x "$T/count.sh"
	echo "[colony $n]"
	for l in "$@"; do echo "$l"; done
	printf '[service %s/count]\ncommand = %s/count.sh\n' "$n" "$T"
}

# consecutive FILE: the numbers ending each line of a service log follow each other, none missing.
consecutive() {
	awk '{ n = $NF + 0; if (NR > 1 && n != prev + 1) { print "gap after " prev ": " n; bad = 1 } prev = n }
	     END { if (NR < 2) { print "too few lines"; bad = 1 } exit bad }' "$1"
}

# status_loop FILE: call `colonyctl status` until FILE.stop exists; one line per call in FILE.calls
# ("ok" or "bad"), the totals "OK BAD" in FILE at the end.
status_loop() {
	local ok=0 bad=0
	while [ ! -e "$1.stop" ] && [ -d "$T" ]; do
		if ctl status >/dev/null 2>>"$1.err"; then ok=$((ok + 1)); echo ok; else bad=$((bad + 1)); echo bad; fi >>"$1.calls"
	done
	echo "$ok $bad" >"$1"
}
calls_over() { [ "$(wc -l <"$1.calls" 2>/dev/null || echo 0)" -gt "$2" ]; }

# colonyd_count COLONY: processes in the colony's _colonyd cgroup.
colonyd_count() { cat "$(cg_v2)/$1/_colonyd/cgroup.procs" 2>/dev/null | wc -l; }
