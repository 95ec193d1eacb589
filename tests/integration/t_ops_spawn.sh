#!/usr/bin/env bash
# t_ops_spawn.sh: children share colonyd's memory until execve: many start at once, each with its own argv and environment; exec failures are reported; reloads racing a crash loop leave colonyd up and the new definition in force.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_confine.sh"

N=12	# more starting children at once than colonyd keeps spare stacks for
loop_ini() {	# loop_ini VALUE: the crash-looping service, with V=VALUE
	printf '[service s/loop]\ncommand = /bin/sh -c '\''echo "$V" >>%s/loop.out; sleep 0.03; exit 1'\''\n' "$T"
	printf 'restart_delay = 0\nstable_after = 10ms\nenvironment = V=%s\n' "$1"
}
write_conf() {
	{
		supervisor_section
		printf '[colony s]\nnetwork = host\nintensity = 1000000\nperiod = 1s\n'
		for i in $(seq $N); do
			printf '[service s/w%d]\n' "$i"
			printf 'command = /bin/sh -c '\''echo "$COLONY_SERVICE $0 $X" >%s/id.%d; exec sleep 600'\'' arg%d\n' "$T" "$i" "$i"
			printf 'environment = X=x%d\n' "$i"
		done
		loop_ini "$1"
		printf '[service s/missing]\ncommand = %s/nonexistent/prog\nrestart_delay = 1h\n' "$T"
		printf '[service s/nopath]\ncommand = no-such-program-%s\nrestart_delay = 1h\n' "$ID"
	} >"$CONF"
}
write_conf v0
start_root
names=$(for i in $(seq $N); do printf 's/w%d ' "$i"; done)
# shellcheck disable=SC2086
wait_for 15 all_running $names || die "did not start: $(ctl status)"
# status exits non-zero while the colony is not ready (s/missing never will be): keep its output.
colonyd_pid() { pid_of s || true; }
colonyd=$(colonyd_pid)
[ -n "$colonyd" ] && [ "$colonyd" != - ] || die "no colonyd pid: $(ctl status s)"

# Each child ran its own command line with its own environment: nothing of another's.
for i in $(seq $N); do
	assert_eq "$(cat "$T/id.$i")" "w$i arg$i x$i" "identity of s/w$i"
done

# execve failures come back up the error pipe, with the path and errno.
setup_failed() { [ "$(json_exit "$1")" = '{"reason":"setup"}' ]; }
for s in missing nopath; do
	wait_for 5 setup_failed "s/$s" || die "s/$s: $(json_exit "s/$s")"
done
grep -qF "execve($T/nonexistent/prog): No such file or directory" "$T/log/s/missing.log" ||
	die "s/missing: $(cat "$T/log/s/missing.log")"
grep -qF "execve(no-such-program-$ID): No such file or directory" "$T/log/s/nopath.log" ||
	die "s/nopath: $(cat "$T/log/s/nopath.log")"

# Reloads that change the looping service's definition while it keeps restarting: a starting
# child may still read the old definition, which must outlive the reload.
wait_for 5 test -s "$T/loop.out" || die "s/loop never ran"
for v in 1 2 3 4 5 6 7 8; do
	write_conf "v$v"
	ctl reload >/dev/null || die "reload $v failed"
	sleep 0.05
done
wait_for 10 sh -c "tail -n1 '$T/loop.out' | grep -qx v8" || die "the last definition is not in force: $(tail -3 "$T/loop.out")"
assert_eq "$(colonyd_pid)" "$colonyd" "colonyd survived the reloads"
for i in $(seq $N); do state_is "s/w$i" running || die "s/w$i stopped: $(ctl status "s/w$i")"; done
exit 0
