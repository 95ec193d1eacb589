#!/usr/bin/env bash
# run.sh: `make bench`: Colony against s6, runsv and a raw clone3+pidfd floor, side by side; prints one table (SPEC section 10).
# Every wait has a timeout; a failure of ours goes into the table and the rest still runs; the trap removes all it made.
set -u
BUILD=${BUILD:?BUILD must be the absolute build directory}
SCALE=${SCALE:-}
N_CRASH=${BENCH_CRASHES:-200}		# crashes of each supervisor (SPEC: at least 200)
N_MANY=${BENCH_COLONIES:-1000}
ONLY=${BENCH_ONLY:-}			# "restart" or "many" (cold start, memory, idle, stop-all): one part only
here=$(cd "$(dirname "$0")" && pwd)
STAMP=$BUILD/stamp
[ "$(id -u)" = 0 ] || { echo "make bench needs root (namespaces, cgroups)" >&2; exit 1; }
[ -x "$STAMP" ] || { echo "missing $STAMP: run make" >&2; exit 1; }

# s6 and runit from Debian, quietly; no recommends, so no runsvdir gets started as a system service.
need=""
for p in s6 runit; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; } \
		>/dev/null 2>&1 || echo "warning: could not install$need; their columns will be empty" >&2
fi

ID="b$$$(printf '%04x' $RANDOM)"
T=$(mktemp -d "/tmp/colonybench-$ID.XXXX")
CG="colonybench-$ID"
NSP="cb$ID-"
HB=$BUILD/bench		# the C helpers
mkdir -p "$HB" "$T/st"
PIDFILE=$T/pids		# "PID COMM" of every supervisor we started, for the trap
ROOT_PID=""

log() { printf '# %s\n' "$*" >&2; }
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

cleanup() {
	trap - EXIT INT TERM
	local pid comm v2=/sys/fs/cgroup
	[ -n "$ROOT_PID" ] && stop_root 15000 2>/dev/null
	# Supervisors first, so nothing restarts what we kill next; only pids we started, still running what we ran.
	if [ -f "$PIDFILE" ]; then
		while read -r pid comm; do
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] && kill -KILL "$pid" 2>/dev/null
		done <"$PIDFILE"
	fi
	# Colonies: colonyd outlives its root by design, so kill whole cgroups at once.
	[ -d /sys/fs/cgroup/unified ] && v2=/sys/fs/cgroup/unified
	if [ -d "$v2/$CG" ]; then
		find "$v2/$CG" -name cgroup.kill | while read -r k; do echo 1 >"$k" 2>/dev/null; done
		sleep 0.5
		find "$v2/$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	for c in memory pids cpu cpuacct; do
		[ -d "/sys/fs/cgroup/$c/$CG" ] && find "/sys/fs/cgroup/$c/$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	# What the floor, s6 and runsv ran: the last pid of each stamp file, if it still runs our stamp.
	find "$T" \( -name '*.stamp' -o -name stamp.out \) -type f -exec tail -qn1 {} + 2>/dev/null |
		while read -r pid _; do
			[ -e "/proc/$pid" ] && [ "$(readlink "/proc/$pid/exe")" = "$STAMP" ] && kill -KILL "$pid"
		done 2>/dev/null
	# One ip process for thousands of namespaces.
	for n in /run/netns/"$NSP"*; do [ -e "$n" ] && echo "netns del ${n##*/}"; done | ip -force -batch - >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for h in observe floor clock waitgone netnscost; do
	cc -O2 -Wall -Wextra -o "$HB/$h" "$here/$h.c" || { echo "cannot build $h" >&2; exit 1; }
done

now() { "$HB/clock"; }
memavail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
# cpu_ms: CPU time every core has spent busy since boot (user, nice, system, irq, softirq, steal), in ms.
HZ=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$HZ" '/^cpu / { printf "%.0f", ($2 + $3 + $4 + $7 + $8 + $9) * 1000 / hz }' /proc/stat; }
# memper M0 M1 M2: kB per unit from MemAvailable before start, while running, and 2 s after the stop:
# "MEAN FALL RISE". Others' work on this machine moves MemAvailable too; the two halves show how much.
memper() {
	[ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] || return 0
	awk -v a="$1" -v b="$2" -v c="$3" -v n="$N_MANY" \
		'BEGIN { f = (a - b) / n; r = (c - b) / n; printf "%.0f %.0f %.0f", (f + r) / 2, f, r }'
}
# ms A B: B - A in ms (ns inputs), or "-" if either is missing.
ms() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) / 1e6 }' || echo -; }
# ratio A B: A / B to two decimals, or "-".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
# le A B: true when both are numbers and A <= B.
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a != "-" && b != "-" && a + 0 <= b + 0) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a != "-" && b != "-" && a + 0 < b + 0) }'; }
okmiss() { if "$@"; then echo ok; else echo MISSED; fi; }
# field LINE KEY: a key=value from an observe line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }
remember() { echo "$1 $2" >>"$PIDFILE"; }
ctl() { timeout 150 "$BUILD/colonyctl" -s "$T/ctl.sock" "$@"; }

# ---- our root instance ----

supervisor_section() {
	cat <<EOT
[supervisor]
state_dir = $T/state
control_socket = $T/ctl.sock
log_dir = $T/log
cgroup_name = $CG
netns_prefix = $NSP
colonyd = $BUILD/colonyd
intensity = 1000000
period = 1s
EOT
}

# colony NAME NETWORK [SERVICE LINES...]: one colony with one stamping service that restarts at once.
colony() {
	local name=$1 net=$2; shift 2
	printf '[colony %s]\nnetwork = %s\nintensity = 1000000\nperiod = 1s\nrestart_delay = 0\nstable_after = 10ms\n' "$name" "$net"
	printf '[service %s/stamp]\ncommand = %s %s\nrestart_delay = 0\nstable_after = 10ms\n' "$name" "$STAMP" "$T/st/$name.stamp"
	for l in "$@"; do echo "$l"; done
}

# start_root CONF: starts colony-supervisor, waits for its socket; 1 with the reason in $T/why on failure.
start_root() {
	[ -x "$BUILD/colony-supervisor" ] && [ -x "$BUILD/colonyd" ] && [ -x "$BUILD/colonyctl" ] ||
		{ echo "daemons not built" >"$T/why"; return 1; }
	rm -f "$T/ctl.sock"
	"$BUILD/colony-supervisor" -c "$1" >"$T/root.out" 2>&1 &
	ROOT_PID=$!
	disown "$ROOT_PID"	# no job notices; bash still reaps it
	remember "$ROOT_PID" colony-supervis
	local i
	for i in $(seq 200); do
		[ -S "$T/ctl.sock" ] && return 0
		kill -0 "$ROOT_PID" 2>/dev/null || break
		sleep 0.05
	done
	{ echo "root did not start:"; tail -3 "$T/root.out"; } | tr '\n' ' ' >"$T/why"
	stop_root 5000
	return 1
}

# tree_pids: the root, its children (colonyds) and the services in the stamp files of the
# current run, in CUR_ST.
CUR_ST=$T/st
tree_pids() {
	echo "$ROOT_PID"
	cat /proc/"$ROOT_PID"/task/*/children 2>/dev/null | tr ' ' '\n'
	# Only this run's: an earlier run's pids may belong to other processes by now.
	find "$CUR_ST" -name '*.stamp' -exec tail -qn1 {} + 2>/dev/null | awk '{ print $1 }'
}

# stop_root TIMEOUT_MS: SIGTERM, then wait for the whole tree; SIGKILL the root if it hangs.
# Sets STOPPED to "START END", the times of the SIGTERM and of the last exit. Not in $(...): it
# must clear ROOT_PID here, so the trap never signals a pid that may have been reused.
STOPPED=""
stop_root() {
	local pids start end
	[ -n "$ROOT_PID" ] || return 1
	pids=$(tree_pids)
	start=$(now)
	kill -TERM "$ROOT_PID" 2>/dev/null
	end=$(printf '%s\n' "$pids" | "$HB/waitgone" "$1") || {
		kill -KILL "$ROOT_PID" 2>/dev/null
		ROOT_PID=""
		return 1
	}
	ROOT_PID=""
	STOPPED="$start $end"
}

# wait_stamps DIR GLOB N TIMEOUT_S [PID]: until N files match and each has a line; prints the newest
# first stamp. Gives up early when PID (the supervisor) is gone, or when no file came for 60 s.
wait_stamps() {
	local dir=$1 glob=$2 n=$3 end=$(($(date +%s) + $4)) sup=${5:-} files out
	local seen=0 moved
	moved=$(date +%s)
	shopt -s nullglob
	while [ "$(date +%s)" -lt "$end" ] && [ $(($(date +%s) - moved)) -lt 60 ]; do
		[ -n "$sup" ] && ! kill -0 "$sup" 2>/dev/null && break
		# shellcheck disable=SC2206 # the glob is meant to expand
		files=("$dir"/$glob)
		[ "${#files[@]}" -gt "$seen" ] && { seen=${#files[@]}; moved=$(date +%s); }
		if [ "${#files[@]}" -ge "$n" ]; then
			out=$(awk 'FNR == 1 && NF == 2 { c++; if ($2 > m) m = $2 } END { print c + 0, m }' "${files[@]}")
			if [ "${out%% *}" -ge "$n" ]; then
				shopt -u nullglob
				echo "${out#* }"
				return 0
			fi
		fi
		sleep 0.1
	done
	shopt -u nullglob
	echo "$seen" >"$T/seen"
	return 1
}

# wait_running N: colonyctl wait on c1..cN in chunks that fit a request.
wait_running() {
	local i=1 n=$1 names
	while [ "$i" -le "$n" ]; do
		names=$(seq -f 'c%.0f' "$i" $((i + 499 < n ? i + 499 : n)) | tr '\n' ' ')
		# shellcheck disable=SC2086
		ctl wait $names --state running --timeout 120s >/dev/null 2>>"$T/why" || return 1
		i=$((i + 500))
	done
}

# ---- the table ----

ROWS=()
row() { ROWS+=("$1"$'\x1f'"$2"$'\x1f'"${3:-}"$'\x1f'"${4:-}"); }
# pq LINE: "p50 X ms, p99 Y ms (n=N)" from an observe line.
pq() {
	local n
	n=$(field "$1" n)
	[ -n "$n" ] && [ "$n" != 0 ] || { echo "no data"; return; }
	printf 'p50 %s ms  p99 %s ms  (n=%s%s%s)' "$(field "$1" p50_ms)" "$(field "$1" p99_ms)" "$n" \
		"$( [ "$(field "$1" timeouts)" != 0 ] && echo ", $(field "$1" timeouts) timeouts")" \
		"$( [ "$(field "$1" anomalies)" != 0 ] && echo ", $(field "$1" anomalies) restarts not ours")"
}

# ---- 1. restart latency: floor, Colony (service and colonyd), s6-supervise and runsv, interleaved ----

# One observer kills them in turn, 100 ms apart, each after it ran 1.02 s: s6 and runsv throttle a
# service that ran less than 1 s, and this way every figure shares the same window of this noisy machine.
OBS_FLOOR="" OBS_PRIV="" OBS_HOST="" OBS_COL="" OBS_PQ="" OBS_HG="" OBS_S6="" OBS_RS="" FLOOR50=""
if want restart; then
log "restart latency: $N_CRASH crashes each of floor, Colony, s6-supervise and runsv, interleaved (~$((N_CRASH * 11 / 10)) s)"
{
	supervisor_section
	colony bp private
	colony bh host "seccomp = off"
	colony bc private
	# Two more, to tell what the network namespace and the seccomp filter each cost.
	colony bq private "seccomp = off"
	colony bg host
} >"$T/restart.ini"
"$HB/floor" "$STAMP" "$T/st/floor.stamp" &
FLOOR_PID=$!
disown "$FLOOR_PID"
remember "$FLOOR_PID" floor
targets=("floor=$T/st/floor.stamp")
ours_err="" col_note=""
if start_root "$T/restart.ini"; then
	if wait_stamps "$T/st" 'b?.stamp' 5 10 "$ROOT_PID" >/dev/null; then
		targets+=("private=$T/st/bp.stamp" "host=$T/st/bh.stamp"
			"privnosec=$T/st/bq.stamp" "hostsec=$T/st/bg.stamp")
		# observe kills the service's parent; it must be the colonyd that status --json names.
		jpid=$(ctl status bc --json 2>/dev/null | python3 -c 'import json,sys; print(next(e["pid"] for e in json.load(sys.stdin) if e["name"] == "bc"))' 2>/dev/null)
		spid=$(tail -n1 "$T/st/bc.stamp" | awk '{ print $1 }')
		ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$spid/status" 2>/dev/null)
		[ -n "$jpid" ] && [ "$jpid" = "$ppid" ] || col_note=" (status --json pid '$jpid' is not the service's parent '$ppid')"
	else
		ours_err="services never stamped: $(tail -2 "$T/root.out" | tr '\n' ' ')"
	fi
else
	ours_err=$(cat "$T/why")
fi
S6_PID="" RS_PID=""
if command -v s6-supervise >/dev/null && command -v runsv >/dev/null; then
	mkdir -p "$T/sv/s6" "$T/sv/rs"
	ln -s "$STAMP" "$T/sv/s6/run"
	ln -s "$STAMP" "$T/sv/rs/run"
	echo 3 >"$T/sv/s6/notification-fd"
	STAMP_FILE=stamp.out STAMP_NOTIFY_FD=3 s6-supervise "$T/sv/s6" </dev/null >/dev/null 2>&1 &
	S6_PID=$!
	disown "$S6_PID"
	remember "$S6_PID" s6-supervise
	STAMP_FILE=stamp.out runsv "$T/sv/rs" </dev/null >/dev/null 2>&1 &
	RS_PID=$!
	disown "$RS_PID"
	remember "$RS_PID" runsv
	targets+=("s6=$T/sv/s6/stamp.out" "runsv=$T/sv/rs/stamp.out")
fi
# Last in each round: a colony restart's aftermath (cgroups, netns, RCU) would slow the next kill.
[ -z "$ours_err" ] && [ -n "$ROOT_PID" ] && targets+=("colony^colonyd=$T/st/bc.stamp")
"$HB/observe" -n "$N_CRASH" -s 100 -m 1020 -t 3000 "${targets[@]}" >"$T/obs" 2>"$T/obs.err"
OBS_FLOOR=$(grep '^floor ' "$T/obs")
OBS_PRIV=$(grep '^private ' "$T/obs")
OBS_HOST=$(grep '^host ' "$T/obs")
OBS_COL=$(grep '^colony ' "$T/obs")
OBS_PQ=$(grep '^privnosec ' "$T/obs")
OBS_HG=$(grep '^hostsec ' "$T/obs")
OBS_S6=$(grep '^s6 ' "$T/obs")
OBS_RS=$(grep '^runsv ' "$T/obs")
# Supervisors first, then what they ran.
kill -KILL "$FLOOR_PID" $S6_PID $RS_PID 2>/dev/null
for f in "$T/st/floor.stamp" "$T/sv/s6/stamp.out" "$T/sv/rs/stamp.out"; do
	kill -KILL "$(tail -n1 "$f" 2>/dev/null | awk '{ print $1 }')" 2>/dev/null
done
[ -n "$ROOT_PID" ] && { stop_root 30000 || log "restart-bench root did not stop cleanly"; }
# Their last pids may be reused by now; later stops wait on the pids in $T/st.
rm -f "$T"/st/*.stamp
FLOOR50=$(field "$OBS_FLOOR" p50_ms)
fi

# ---- 2. s6-svscan with N_MANY services: start, memory, stop ----

# s6_round TAG: sets <TAG>_START, _STOP, _MEM, _CPU (empty when s6 is missing or failed).
s6_round() {
	local tag=$1 scan i m0 m1="" c0 t0 t1 t2 t3 pids p
	# shellcheck disable=SC2034 # read back through the eval at the end
	local start="" stop="" mem="" cpu=""
	if command -v s6-svscan >/dev/null; then
		log "s6-svscan with $N_MANY services"
		scan=$(mktemp -d "$T/scan.XXXX")
		for i in $(seq "$N_MANY"); do
			mkdir "$scan/s$i"
			ln -s "$STAMP" "$scan/s$i/run"
		done
		sync
		sleep 1
		m0=$(memavail)
		c0=$(cpu_ms)
		t0=$(now)
		STAMP_FILE=stamp.out s6-svscan -c $((2 * N_MANY)) "$scan" </dev/null >/dev/null 2>&1 &
		SV_PID=$!
		disown "$SV_PID"
		remember "$SV_PID" s6-svscan
		if t1=$(wait_stamps "$scan" '*/stamp.out' "$N_MANY" 120 "$SV_PID"); then
			start=$(ms "$t0" "$t1")
			cpu=$(($(cpu_ms) - c0))
			sleep 2
			m1=$(memavail)
		fi
		pids=$({ echo "$SV_PID"; cat /proc/"$SV_PID"/task/*/children | tr ' ' '\n'; awk '{ print $1 }' "$scan"/*/stamp.out; } 2>/dev/null)
		for p in $(cat /proc/"$SV_PID"/task/*/children 2>/dev/null); do remember "$p" s6-supervise; done
		t2=$(now)
		s6-svscanctl -t "$scan"
		if t3=$(printf '%s\n' "$pids" | "$HB/waitgone" 60000); then
			[ -n "$start" ] && stop=$(ms "$t2" "$t3")
		fi
		kill -KILL "$SV_PID" 2>/dev/null
		sleep 2
		mem=$(memper "$m0" "$m1" "$(memavail)")
	fi
	eval "${tag}_START=\$start ${tag}_STOP=\$stop ${tag}_MEM=\$mem ${tag}_CPU=\$cpu"
}

# ---- 3. N_MANY colonies: host (memory), then private (start, memory, RSS, idle, stop) ----

# many_colonies TAG NETWORK IDLE: sets <TAG>_START, _RUN, _MEM, _RSS, _PRIV, _CSW, _STOP, _ERR.
many_colonies() {
	local tag=$1 net=$2 idle=$3 t0 t1 m0 m1="" pids cs0 cs1 i err=""
	# shellcheck disable=SC2034 # read back through the eval at the end
	local start="" run="" mem="" rss="" priv="" csw="" stop="" cpu="" c0
	log "$N_MANY colonies, network = $net"
	# A directory of its own, made before the clock starts, as each s6 service has: creating files in
	# one that a previous run had just emptied cost ext4 here 0.05-0.6 ms each.
	local st
	st=$(mktemp -d "$T/st-$tag.XXXX")
	CUR_ST=$st
	{
		supervisor_section
		for i in $(seq "$N_MANY"); do
			printf '[colony c%d]\nnetwork = %s\nstable_after = 1s\n[service c%d/stamp]\ncommand = %s %s/c%d.stamp\nstable_after = 1s\n' \
				"$i" "$net" "$i" "$STAMP" "$st" "$i"
		done
	} >"$T/many.ini"
	sync
	sleep 1
	m0=$(memavail)
	c0=$(cpu_ms)
	t0=$(now)
	if ! start_root "$T/many.ini"; then
		err=$(cat "$T/why")
	elif ! t1=$(wait_stamps "$st" 'c*.stamp' "$N_MANY" 120 "$ROOT_PID"); then
		err="only $(cat "$T/seen") of $N_MANY services stamped (root: $(tail -1 "$T/root.out"))"
	else
		start=$(ms "$t0" "$t1")
		cpu=$(($(cpu_ms) - c0))
		if wait_running "$N_MANY"; then
			run=$(ms "$t0" "$(now)")
		else
			err="colonyctl wait: $(tail -1 "$T/why")"
		fi
		# Past every stable_after (1 s), so no timer is due in the idle window.
		sleep 2
		m1=$(memavail)
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ROOT_PID/status")
		pids=$(cat /proc/"$ROOT_PID"/task/*/children)
		# shellcheck disable=SC2086
		priv=$(for p in $pids; do cat "/proc/$p/smaps_rollup"; done 2>/dev/null |
			awk '/^Private_(Clean|Dirty):/ { s += $2 } /^Rss:/ { n++ } END { if (n) printf "%.0f", s / n }')
		if [ "$idle" = yes ]; then
			# Every thread of the root and of each colonyd; nothing talks to them meanwhile.
			cs0=$(cat /proc/"$ROOT_PID"/task/*/status $(printf '/proc/%s/task/*/status ' $pids) 2>/dev/null |
				awk '/ctxt_switches/ { s += $2 } END { print s }')
			sleep 10
			cs1=$(cat /proc/"$ROOT_PID"/task/*/status $(printf '/proc/%s/task/*/status ' $pids) 2>/dev/null |
				awk '/ctxt_switches/ { s += $2 } END { print s }')
			csw=$((cs1 - cs0))
			[ "$(printf '%s\n' $pids | wc -l)" -ge "$N_MANY" ] || err="only $(printf '%s\n' $pids | wc -l) colonyd processes"
		fi
	fi
	if [ -n "$ROOT_PID" ]; then
		if stop_root 120000; then
			[ -n "$start" ] && stop=$(ms ${STOPPED% *} ${STOPPED#* })
		else
			err="${err:+$err; }stop-all did not finish within 120 s"
		fi
	fi
	# Network namespaces are freed asynchronously by the kernel.
	sleep 2
	mem=$(memper "$m0" "$m1" "$(memavail)")
	eval "${tag}_START=\$start ${tag}_RUN=\$run ${tag}_MEM=\$mem ${tag}_RSS=\$rss ${tag}_PRIV=\$priv ${tag}_CSW=\$csw ${tag}_STOP=\$stop ${tag}_ERR=\$err ${tag}_CPU=\$cpu"
}

# median V...: the middle of the numbers given ("-" and empty ones are left out).
median() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }

if want many; then
s6_round S6
log "the CPU of a network namespace"
NETNS=$("$HB/netnscost" 400 2>/dev/null)
many_colonies HOST host no
many_colonies PRIV private yes
# Cold start and stop-all swing by a third between runs on this machine: more rounds of
# s6-svscan and private colonies, interleaved, and the targets compare their medians.
ROUNDS=${BENCH_ROUNDS:-3}
S6_STARTS=$S6_START S6_STOPS=$S6_STOP PRIV_STARTS=$PRIV_START PRIV_STOPS=$PRIV_STOP
for r in $(seq 2 "$ROUNDS"); do
	log "cold start and stop-all, round $r of $ROUNDS"
	s6_round S6R
	many_colonies PRIVR private no
	S6_STARTS="$S6_STARTS ${S6R_START:--}" S6_STOPS="$S6_STOPS ${S6R_STOP:--}"
	PRIV_STARTS="$PRIV_STARTS ${PRIVR_START:--}" PRIV_STOPS="$PRIV_STOPS ${PRIVR_STOP:--}"
done
# shellcheck disable=SC2086 # lists of numbers
{ S6_START_M=$(median $S6_STARTS); S6_STOP_M=$(median $S6_STOPS); PRIV_START_M=$(median $PRIV_STARTS); PRIV_STOP_M=$(median $PRIV_STOPS); }

fi
# ---- 4. scale: restart latency at 10 and at SCALE colonies ----

if [ -n "$SCALE" ]; then
	# Thousands of colonies need fds; raise the limit as far as this machine lets us.
	ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	NOFILE=$(ulimit -n)
	scale_restart() {
		local n=$1 i
		local st=$T/st-scale$n
		mkdir "$st"
		CUR_ST=$st
		{
			supervisor_section
			colony c1 private | sed "s|$T/st/c1.stamp|$st/c1.stamp|"
			for i in $(seq 2 "$n"); do
				printf '[colony c%d]\nnetwork = private\n[service c%d/stamp]\ncommand = %s %s/c%d.stamp\n' \
					"$i" "$i" "$STAMP" "$st" "$i"
			done
		} >"$T/scale.ini"
		local t0 t1
		t0=$(now)
		start_root "$T/scale.ini" || { echo "error=$(cat "$T/why" | tr ' ' '_')"; return; }
		if ! t1=$(wait_stamps "$st" 'c*.stamp' "$n" 1200 "$ROOT_PID"); then
			echo "error=only_$(cat "$T/seen")_of_${n}_stamped;_root:_$(tail -1 "$T/root.out" | tr ' ' '_')"
		else
			local start
			start=$(ms "$t0" "$t1")
			wait_running "$n" || echo "error=colonyctl_wait_failed"
			sleep 2
			local rss
			rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ROOT_PID/status")
			"$HB/observe" -n "$N_CRASH" -s 30 -t 3000 "c1=$st/c1.stamp" 2>/dev/null |
				sed "s/\$/ start_ms=$start rss_kb=$rss/"
		fi
		stop_root 600000 || echo "error=stop_timed_out"
	}
	log "scale: restart latency at 10 colonies"
	SC10=$(scale_restart 10)
	log "scale: $SCALE colonies (this takes a while)"
	SCN=$(scale_restart "$SCALE")
fi

# ---- print ----

S6_50=$(field "$OBS_S6" p50_ms)
RS_50=$(field "$OBS_RS" p50_ms)
P50=$(field "$OBS_PRIV" p50_ms)
H50=$(field "$OBS_HOST" p50_ms)
C50=$(field "$OBS_COL" p50_ms)

if want restart; then
row "service restart, floor (clone3+pidfd)" "$(pq "$OBS_FLOOR")"
row "service restart, s6-supervise notif-fd" "$(pq "$OBS_S6")"
row "service restart, runsv" "$(pq "$OBS_RS")"
if [ -n "$OBS_PRIV" ] && [ "$(field "$OBS_PRIV" n)" != 0 ]; then
	row "service restart, Colony private" "$(pq "$OBS_PRIV")" "p50 <= 1.15x floor ($(ratio "$P50" "$FLOOR50")x)" \
		"$(okmiss le "$(ratio "$P50" "$FLOOR50")" 1.15)"
	row "" "" "p50 < s6 ($(ratio "$P50" "$S6_50")x)" "$(okmiss lt "$P50" "$S6_50")"
	row "" "" "p50 < runsv ($(ratio "$P50" "$RS_50")x)" "$(okmiss lt "$P50" "$RS_50")"
	row "service restart, Colony host,seccomp=off" "$(pq "$OBS_HOST")" "$(ratio "$H50" "$FLOOR50")x floor" "info"
	row "  (Colony private, seccomp=off)" "$(pq "$OBS_PQ")" "$(ratio "$(field "$OBS_PQ" p50_ms)" "$FLOOR50")x floor" "info"
	row "  (Colony host, seccomp default)" "$(pq "$OBS_HG")" "$(ratio "$(field "$OBS_HG" p50_ms)" "$FLOOR50")x floor" "info"
else
	row "service restart, Colony private" "FAILED: ${ours_err:-$(grep private "$T/obs.err" 2>/dev/null | head -3 | tr '\n' ' ')}" \
		"p50 <= 1.15x floor, < s6, < runsv" MISSED
fi
if [ -n "$OBS_COL" ] && [ "$(field "$OBS_COL" n)" != 0 ]; then
	row "colony restart (SIGKILL colonyd)" "$(pq "$OBS_COL")$col_note" "$(ratio "$C50" "$FLOOR50")x floor" "info"
else
	row "colony restart (SIGKILL colonyd)" "FAILED: ${ours_err:-$(grep colony "$T/obs.err" 2>/dev/null | head -3 | tr '\n' ' ')}" "vs floor" MISSED
fi
fi
if want many; then
if [ -n "$PRIV_START_M" ]; then
	row "cold start $N_MANY, Colony private" "median ${PRIV_START_M} ms all stamped (rounds: ${PRIV_STARTS})" \
		"<= s6-svscan ${S6_START_M:--} ms ($(ratio "$PRIV_START_M" "${S6_START_M:--}")x)" \
		"$(okmiss le "$PRIV_START_M" "${S6_START_M:--}")"
	row "" "round 1: ${PRIV_RUN:--} ms all running; CPU ${PRIV_CPU:--} ms"
else
	row "cold start $N_MANY, Colony private" "FAILED: $PRIV_ERR" "<= s6-svscan ${S6_START_M:--} ms" MISSED
fi
row "cold start $N_MANY, Colony host" "${HOST_START:--} ms all stamped (${HOST_RUN:--} ms all running; CPU ${HOST_CPU:--} ms)" \
	"$(ratio "${HOST_START:--}" "${S6_START:--}")x s6-svscan's round 1" "info"
row "cold start $N_MANY, s6-svscan -c $((2 * N_MANY))" "median ${S6_START_M:-failed} ms all stamped (rounds: ${S6_STARTS})" \
	"round 1: CPU ${S6_CPU:--} ms"
# What a private colony has and an s6 service has not: its network namespace.
nsus=$(field "$NETNS" netns_us)
row "  a network namespace (lo up)" "${nsus:--} us of CPU each, net of fork+exit ($(field "$NETNS" fork_us) us)" \
	"x $N_MANY: $(awk -v u="${nsus:-0}" -v n="$N_MANY" 'BEGIN { printf "%.0f", u * n / 1000 }') ms CPU" "info"
row "stop-all $N_MANY, Colony private" "median ${PRIV_STOP_M:-failed} ms (rounds: ${PRIV_STOPS}; SIGTERM until all gone)" \
	"<= s6-svscan ${S6_STOP_M:--} ms" "$(okmiss le "${PRIV_STOP_M:--}" "${S6_STOP_M:--}")"
row "stop-all $N_MANY, Colony host" "${HOST_STOP:-failed} ms" "" "info"
row "stop-all $N_MANY, s6-svscan" "median ${S6_STOP_M:-failed} ms (rounds: ${S6_STOPS}; svscanctl -t)"
# memrow MEM: "MEAN kB (MemAvailable -FALL at start, +RISE after stop)".
memrow() { [ -n "$1" ] && set -- $1 && printf '%s kB (MemAvailable %+d at start, %+d after stop)' "$1" "$((-$2))" "$3" || echo failed; }
row "memory per colony, host" "$(memrow "$HOST_MEM")" \
	"<= s6 ${S6_MEM:+${S6_MEM%% *} }kB/service" "$(okmiss le "${HOST_MEM%% *}" "${S6_MEM%% *}")"
row "memory per colony, private" "$(memrow "$PRIV_MEM")" "" "info"
row "memory per service, s6-svscan" "$(memrow "$S6_MEM")"
row "root RSS at $N_MANY colonies" "${PRIV_RSS:-failed} kB (VmRSS)" "<= 8192 kB" "$(okmiss le "$PRIV_RSS" 8192)"
row "colonyd private memory" "${PRIV_PRIV:-failed} kB each (Private_Clean+Dirty, mean)" "" "info"
row "idle context switches, 10 s" "${PRIV_CSW:-failed} (root + $N_MANY colonyd, all threads)" "0" \
	"$(okmiss le "${PRIV_CSW:--}" 0)"
[ -n "$HOST_ERR" ] && row "  host run error" "$HOST_ERR"
[ -n "$PRIV_ERR" ] && [ -n "$PRIV_START" ] && row "  private run error" "$PRIV_ERR"
fi
if [ -z "$SCALE" ]; then
	row "scale" "skipped (SCALE=10000 to run)"
else
	s10=$(printf '%s\n' "$SC10" | grep '^c1 ' | head -1)
	sn=$(printf '%s\n' "$SCN" | grep '^c1 ' | head -1)
	row "scale: restart at 10 colonies" "$( [ -n "$s10" ] && pq "$s10" || printf '%s' "FAILED: $SC10")"
	if [ -n "$sn" ]; then
		r=$(ratio "$(field "$sn" p50_ms)" "$(field "$s10" p50_ms)")
		row "scale: restart at $SCALE colonies" "$(pq "$sn"); up in $(field "$sn" start_ms) ms, RSS $(field "$sn" rss_kb) kB" \
			"p50 <= 1.2x at 10 (${r}x)" "$(okmiss le "$r" 1.2)"
		# All stamped is not enough: every colony must also be running, and the stop must finish.
		sce=$(printf '%s\n' "$SCN" | grep '^error=' | cut -d= -f2- | tr '\n_' '  ')
		[ -n "$sce" ] && row "scale: $SCALE colonies" "FAILED: $sce" "all running" MISSED
	else
		row "scale: $SCALE colonies" "FAILED: $(printf '%s\n' "$SCN" | sed 's/^error=//' | tr '\n_' '  ')" "all running, <= 1.2x" MISSED
		row "" "(the root ran with RLIMIT_NOFILE $NOFILE)"
	fi
fi

echo
echo "Colony benchmark: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "s6 $(dpkg-query -W -f='${Version}' s6 2>/dev/null), runit $(dpkg-query -W -f='${Version}' runit 2>/dev/null). Restart: SIGKILL until the replacement's own CLOCK_MONOTONIC stamp;"
echo "all restart figures interleaved in one window, 100 ms apart, each service killed after running 1.02 s (s6 and runsv throttle faster)."
line=$(printf '%.0s-' $(seq 150))
printf '%-42s %-62s %-34s %s\n' figure measured target result
echo "$line"
for r in "${ROWS[@]}"; do
	IFS=$'\x1f' read -r a b c d <<<"$r"
	printf '%-42s %-62s %-34s %s\n' "$a" "$b" "$c" "$d"
done
echo "$line"
