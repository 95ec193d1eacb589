#!/usr/bin/env bash
# soak/run.sh: 200 colonies whose services crash at random for SOAK_SECONDS (default 600) under reloads (with real
# changes), status and other control calls; the root's and one colonyd's RSS and fds must stay flat after the warm-up.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
source "$here/../integration/net_lib.sh"
N=${SOAK_COLONIES:-200}
DURATION=${SOAK_SECONDS:-600}
WARMUP=${SOAK_WARMUP:-60}
EVERY=${SOAK_SAMPLE:-30}		# seconds between samples
TRACE=${SOAK_TRACE:-}			# a directory: each sample also copies both daemons' smaps and fd lists there
# Flat, for each daemon: (1) the same fd count in every sample; (2) RSS at the end within TOL kB of its value after
# the warm-up; (3) no growth in the second half: its highest RSS at most one page over the first half's.
# TOL (16 pages) is the band RSS moves in between identical states: a reload remakes a few long-lived small objects
# (colony "extra", the network record, mirrors) and malloc places them on pages it had given back or not; the
# 10-minute runs measured a band of up to 12 pages for the root and 1 for colonyd. A steady leak of more than
# a page per five minutes fails (3); one that would hide in the band for ten minutes is a few bytes a second.
TOL=${SOAK_TOLERANCE_KB:-64}
PAGE_KB=$(( $(getconf PAGESIZE) / 1024 ))
NET_FIRST=$(( N > 20 ? N - 9 : N + 1 ))	# colonies NET_FIRST..N join a named network (veths on every restart)

# write_soak_config a|b: the two configurations reloads alternate between. b restarts the steady service of
# colonies 1-20 (a changed command: colonyd's reload), restarts colonies 21-25 (a colony-level key: the root's),
# gives colony 26 a second service, and adds colony "extra"; a undoes all of it.
write_soak_config() {
	local v=$1 i tick intensity
	{
		supervisor_section "intensity = 1000" "period = 10s"
		printf '[network soak]\nbridge = %s\nsubnet = %s/24\n' "$BR" "$NET_A"
		for i in $(seq 1 "$N"); do
			tick=tick intensity=1000
			if [ "$v" = b ] && [ "$i" -le 20 ]; then tick=tock; fi
			if [ "$v" = b ] && [ "$i" -gt 20 ] && [ "$i" -le 25 ]; then intensity=999; fi
			printf '[colony s%d]\nintensity = %d\nperiod = 10s\n' "$i" "$intensity"
			if [ "$i" -ge "$NET_FIRST" ]; then echo "network = soak"; fi
			cat <<EOT
[service s$i/crashy]
command = /bin/bash -c 'sleep \$((RANDOM % 5)).\$((RANDOM % 10)); exit \$((RANDOM % 3))'
restart_delay_max = 1s
stable_after = 1s
log_max_size = 64K
log_keep = 2
[service s$i/steady]
command = /bin/sh -c 'while :; do echo $tick; sleep 1; done'
EOT
			if [ "$v" = b ] && [ "$i" = 26 ]; then
				printf '[service s26/second]\ncommand = /bin/sleep 1000000\n'
			fi
		done
		if [ "$v" = b ]; then printf '[colony extra]\n[service extra/s]\ncommand = /bin/sleep 1000000\n'; fi
	} >"$CONF"
}

# rss_kb anon_kb fds of a pid
sample() {
	local rss anon fds
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
	anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status")
	fds=$(ls "/proc/$1/fd" | wc -l)
	echo "$rss $anon $fds"
}

# reload_to a|b: write configuration a or b and reload to it.
reload_to() {
	variant=$1
	write_soak_config "$1"
	ctl reload >/dev/null || die "reload to configuration $1 failed"
	reloads=$((reloads + 1))
}

# Colony "extra" is gone once its netns name is: its removal unpublishes it and closes its fds in the same turn.
extra_gone() { [ ! -e "/run/netns/${NSPREFIX}extra" ]; }

# s1's colonyd holds one fd more while it spawns a service and one fewer while crashy is down between two
# runs: read it while both services run, with the same crashy instance before and after the reading.
sample_colonyd() {
	local p1 v
	for _ in $(seq 200); do
		p1=$(pid_of s1/crashy)
		if [ -n "$p1" ] && [ "$p1" != - ] && state_is s1/crashy running; then
			v=$(sample "$colonyd")
			if [ "$(pid_of s1/crashy)" = "$p1" ] && state_is s1/crashy running; then
				echo "$v"
				return 0
			fi
		fi
		sleep 0.05
	done
	die "s1/crashy never stayed up through a reading of its colonyd"
}

# Samples compare like with like: each one follows a reload from configuration b to a, once every colony is
# running again (no colonyd between a crash and its restart), colony "extra" is gone, s1's services run, and
# no control call is in flight (the events subscriber is the only client).
record() {	# elapsed seconds: one line of the sample table
	local r c
	[ "$variant" = b ] || reload_to b
	reload_to a
	ctl wait $(seq -f 's%g' 1 "$N") --state running --timeout 60s >/dev/null || die "colonies did not come back"
	wait_for 60 extra_gone || die "colony extra was not removed"
	ctl wait s1/steady --state running --timeout 60s >/dev/null || die "s1/steady did not come back"
	r=$(sample "$ROOT_PID"); c=$(sample_colonyd) || die "no reading of s1's colonyd"
	# What the root's allocator has handed out and not had back (colonyctl metrics): a leak raises it
	# however the heap is laid out; RSS also moves with where malloc puts things.
	h=$(ctl metrics | awk '$1 == "colony_supervisor_heap_inuse_bytes" { print $2 }')
	printf '%6d  %s  %s  %s\n' "$1" "$r" "$c" "$h" | tee -a "$T/samples"
	if [ -n "$TRACE" ]; then
		cp "/proc/$ROOT_PID/smaps" "$TRACE/root.$1.smaps"
		cp "/proc/$colonyd/smaps" "$TRACE/colonyd.$1.smaps"
		ls -l "/proc/$ROOT_PID/fd" >"$TRACE/root.$1.fds"
		ls -l "/proc/$colonyd/fd" >"$TRACE/colonyd.$1.fds"
	fi
}

other() { local k=$(( 2 + RANDOM % (N - 1) )); echo "s$k"; }	# any colony but s1 (sampled)
any() { echo "s$(( 1 + RANDOM % N ))"; }
tally() { if timeout 60 "$BUILD/colonyctl" -s "$SOCK" "$@" >/dev/null 2>&1; then ok_ops=$((ok_ops + 1)); else failed_ops=$((failed_ops + 1)); fi; }

# One turn of the control load; $1 is the turn number.
turn() {
	local i=$1 c
	ctl status >/dev/null || die "status failed"
	statuses=$((statuses + 1))
	case $((i % 4)) in
	1) ctl status --json >/dev/null || die "status --json failed" ;;
	2) ctl metrics >/dev/null || die "metrics failed" ;;
	3) c=$(any); tally status "$c" "$c/crashy" ;;
	esac
	if [ $((i % 20)) -eq 0 ]; then reload_to "$([ "$variant" = a ] && echo b || echo a)"; fi
	[ $((i % 8)) -eq 4 ] && { tally kill "$(any)/steady" KILL; kills=$((kills + 1)); }
	[ $((i % 16)) -eq 6 ] && tally restart "$(any)/steady"
	[ $((i % 16)) -eq 14 ] && tally logs "$(any)/crashy" -n 5
	[ $((i % 30)) -eq 15 ] && { tally kill "$(other)" KILL; colony_kills=$((colony_kills + 1)); }
	[ $((i % 32)) -eq 9 ] && { c=$(other); tally stop "$c"; tally start "$c"; }
	[ $((i % 32)) -eq 25 ] && tally exec "$(other)" -- /bin/true
	return 0
}

variant=a
write_soak_config a
start_root
wait_for 120 ctl wait s1 "s$N" --state running --timeout 60s || die "colonies did not start"
colonyd=$(pid_of s1)
ctl events --json >"$T/events" 2>&1 &	# a subscriber for the whole run: every event is formatted and sent
BG_PIDS=$!
log "soak $ID: $N colonies, root $ROOT_PID, s1's colonyd $colonyd; samples every ${EVERY}s from ${WARMUP}s"
# Every call the load makes, once on s1 before the first sample: its colonyd's first use of a code path (and of
# the library data behind it, mapped 64 kB at a time) belongs to the warm-up, not to the comparison.
ctl kill s1/steady KILL >/dev/null; ctl restart s1/steady >/dev/null; ctl logs s1/crashy -n 5 >/dev/null || true
ctl status s1 s1/crashy >/dev/null || true; ctl exec s1 -- /bin/true >/dev/null
[ -n "$TRACE" ] && mkdir -p "$TRACE"
: >"$T/samples"
echo "    t  root: rss_kb anon_kb fds  colonyd: rss_kb anon_kb fds  root heap in use, bytes"
start=$(date +%s)
end=$((start + DURATION))
next=$WARMUP
i=0 statuses=0 reloads=0 kills=0 colony_kills=0 ok_ops=0 failed_ops=0
while :; do
	now=$(( $(date +%s) - start ))
	[ "$now" -ge "$next" ] && { record "$now"; next=$((next + EVERY)); }
	[ "$now" -ge "$DURATION" ] && break
	turn "$i"
	i=$((i + 1))
	sleep 0.5
done
# The sampled colonyd must be the same process throughout, or its figures compare two processes.
assert_eq "$(pid_of s1)" "$colonyd" "s1's colonyd was restarted during the soak"
kill -0 "$BG_PIDS" 2>/dev/null || die "the events subscriber was dropped"
restarts=$(ctl status --json | grep -o '"restarts": *[0-9]*' | awk -F: '{ s += $2 } END { print s }')
echo "soak: $N colonies, ${DURATION}s, $statuses status calls, $reloads reloads, $kills service kills," \
	"$colony_kills colonyd kills, $ok_ops other calls ok ($failed_ops refused), $restarts restarts in status"

exits=$(grep -c '"event":"exited"' "$T/events" || true)
late=$(awk -F'[:,]' -v t="$(( ($(date +%s) - 60) * 1000 ))" '/"event":"exited"/ && $2 >= t { n++ } END { print n + 0 }' "$T/events")
echo "soak: $exits exits in the event stream, $late of them in the last minute"
[ "$late" -gt 0 ] || die "no service crashed in the last minute"

ok=1
verdict() {	# name, then the sample table's columns for its rss, anon rss and fds
	local v
	v=$(awk -v name="$1" -v cr="$2" -v ca="$3" -v cf="$4" -v tol="$TOL" -v page="$PAGE_KB" '
		{ t[NR] = $1; r[NR] = $cr; a[NR] = $ca; f[NR] = $cf }
		END {
			mid = (t[1] + t[NR]) / 2; m1 = m2 = 0; fmin = fmax = f[1]
			for (i = 1; i <= NR; i++) {
				if (t[i] < mid && r[i] > m1) m1 = r[i]
				if (t[i] >= mid && r[i] > m2) m2 = r[i]
				if (f[i] < fmin) fmin = f[i]
				if (f[i] > fmax) fmax = f[i]
			}
			flat = fmin == fmax && r[NR] - r[1] <= tol && m2 - m1 <= page
			printf "%s: rss %d -> %d kB (%+d; anon %d -> %d) from %ds to %ds, highest %d kB in the first half " \
			    "and %d kB in the second; fds %s: %s\n", name, r[1], r[NR], r[NR] - r[1], a[1], a[NR], t[1],
			    t[NR], m1, m2, fmin == fmax ? fmin " in every sample" : "between " fmin " and " fmax,
			    flat ? "flat" : "NOT FLAT"
		}' "$T/samples")
	echo "$v"
	case $v in *"NOT FLAT") ok=0 ;; esac
}
verdict root 2 3 4
verdict colonyd 5 6 7
# The root's heap in use, from colonyctl metrics: like for like, a leak of even one object per sample shows.
heap=$(awk -v page="$(getconf PAGESIZE)" '$8 != "" { if (NR == 1 || $8 < lo) lo = $8; if ($8 > hi) hi = $8; if (NR == 1) f = $8; l = $8 }
	END { printf "root heap in use: %d -> %d bytes (%+d), between %d and %d: %s\n", f, l, l - f, lo, hi,
	    hi - lo <= page ? "flat" : "NOT FLAT" }' "$T/samples")
echo "$heap"
case $heap in *"NOT FLAT") ok=0 ;; esac
echo "(flat: the same fds in every sample, rss within $TOL kB of the first sample, and the second half's highest" \
	"within $PAGE_KB kB of the first half's; the heap in use within one page in every sample)"
[ "$ok" = 1 ] && echo "soak: flat" || die "soak: not flat"
