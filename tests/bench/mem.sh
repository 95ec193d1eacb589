#!/usr/bin/env bash
# mem.sh: memory per colony against s6 per service (run.sh sections 2-3, memory only), repeated and interleaved, with a noise-free memcg figure.
# usage (root): BUILD=$PWD/build [N=1000] [R=3] [NETS="host private"] [COLONYDS="new=COLONYD[:ROOT] old=..."] bash tests/bench/mem.sh
#
# Each round runs s6-svscan with N stamp services, then N one-service colonies for every colonyd
# binary (and root binary, default: BUILD's) and network. Per run it prints the fall of
# MemAvailable as run.sh computes it (the mean of the fall at start and the rise after the stop;
# anything else on the machine moves it), and what the tree was charged in its own v1 memory
# cgroup (hybrid hosts): usage, of it kernel memory and anonymous pages, per unit. The cgroup
# figure ignores other work on the machine but misses kernel memory the kernel does not account
# (struct cgroup and most of a network namespace). Last, the medians per kind.
set -u
BUILD=${BUILD:?BUILD must be the absolute build directory}
N=${N:-1000}
R=${R:-3}
NETS=${NETS:-host}
COLONYDS=${COLONYDS:-cur=$BUILD/colonyd}
here=$(cd "$(dirname "$0")" && pwd)
STAMP=$BUILD/stamp
[ "$(id -u)" = 0 ] || { echo "mem.sh needs root" >&2; exit 1; }
command -v s6-svscan >/dev/null || { echo "mem.sh needs s6 (apt-get install s6)" >&2; exit 1; }
ID="m$$$(printf '%04x' $RANDOM)"
T=$(mktemp -d "/tmp/colonymem-$ID.XXXX")
CG="colonymem-$ID"
NSP="cm$ID-"
MCG=/sys/fs/cgroup/memory
[ -f "$MCG/memory.kmem.usage_in_bytes" ] || MCG=""
mkdir -p "$T/h" "$T/st"
ROOT_PID="" SV_PID=""
for h in clock waitgone; do cc -O2 -o "$T/h/$h" "$here/$h.c" || exit 1; done

log() { printf '# %s\n' "$*" >&2; }
memavail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }

cleanup() {
	trap - EXIT INT TERM
	local v2=/sys/fs/cgroup
	[ -n "$ROOT_PID" ] && kill -TERM "$ROOT_PID" 2>/dev/null && sleep 5
	[ -n "$SV_PID" ] && [ "$(cat "/proc/$SV_PID/comm" 2>/dev/null)" = s6-svscan ] && kill -KILL "$SV_PID"
	[ -d /sys/fs/cgroup/unified ] && v2=/sys/fs/cgroup/unified
	if [ -d "$v2/$CG" ]; then
		find "$v2/$CG" -name cgroup.kill | while read -r k; do echo 1 >"$k" 2>/dev/null; done
		sleep 0.5
		find "$v2/$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	find "$T" -name stamp.out -type f -exec tail -qn1 {} + 2>/dev/null | while read -r pid _; do
		[ -e "/proc/$pid" ] && [ "$(readlink "/proc/$pid/exe")" = "$STAMP" ] && kill -KILL "$pid"
	done 2>/dev/null
	for n in /run/netns/"$NSP"*; do [ -e "$n" ] && echo "netns del ${n##*/}"; done | ip -force -batch - >/dev/null 2>&1
	# Whatever is still in one of our memory cgroups descends from what we started.
	if [ -n "$MCG" ]; then
		for d in "$MCG/$CG"-*; do
			[ -d "$d" ] && xargs -r kill -KILL <"$d/cgroup.procs" 2>/dev/null
		done
		sleep 1
		rmdir "$MCG/$CG"-* 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_stamps DIR GLOB: until N files match, each with a line; 1 after 120 s.
wait_stamps() {
	local end=$(($(date +%s) + 120)) files
	shopt -s nullglob
	while [ "$(date +%s)" -lt "$end" ]; do
		files=("$1"/$2)
		if [ "${#files[@]}" -ge "$N" ] &&
			[ "$(awk 'FNR == 1 && NF == 2 { c++ } END { print c + 0 }' "${files[@]}")" -ge "$N" ]; then
			shopt -u nullglob
			return 0
		fi
		sleep 0.1
	done
	shopt -u nullglob
	return 1
}

# private PIDS...: mean Private_Clean+Private_Dirty in kB.
private() {
	for p in "$@"; do cat "/proc/$p/smaps_rollup"; done 2>/dev/null |
		awk '/^Private_(Clean|Dirty):/ { s += $2 } /^Rss:/ { n++ } END { if (n) printf "%.0f", s / n; else print "-" }'
}

# kill_ours PIDS...: SIGKILL those still running s6 or our stamp (a pid may have been reused).
kill_ours() {
	for p in "$@"; do
		case "$(cat "/proc/$p/comm" 2>/dev/null)" in
		s6-svscan | s6-supervise) kill -KILL "$p" ;;
		*) [ "$(readlink "/proc/$p/exe")" = "$STAMP" ] && kill -KILL "$p" ;;
		esac
	done 2>/dev/null
	sleep 1
}

# launch CGDIR CMD...: CMD in its own v1 memory cgroup (if any), in the background; sets LPID.
launch() {
	local cg=$1; shift
	if [ -n "$cg" ]; then
		sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@" </dev/null >"$T/out" 2>&1 &
	else
		"$@" </dev/null >"$T/out" 2>&1 &
	fi
	LPID=$!
	disown "$LPID"
}

# charged CGDIR: "usage kmem anon" in kB per unit.
charged() {
	[ -n "$1" ] || { echo "- - -"; return; }
	awk -v n="$N" -v u="$(cat "$1/memory.usage_in_bytes")" -v k="$(cat "$1/memory.kmem.usage_in_bytes")" \
		'$1 == "rss" { a = $2 } END { printf "%.0f %.0f %.0f", u / 1024 / n, k / 1024 / n, a / 1024 / n }' "$1/memory.stat"
}

# report TAG M0 M1 M2 CHARGED SUP SVC: one line of results, also kept for the medians.
report() {
	local line
	line=$(awk -v a="$2" -v b="$3" -v c="$4" -v n="$N" 'BEGIN { f = (a - b) / n; r = (c - b) / n;
		printf "memavail=%.0f fall=%.0f rise=%.0f", (f + r) / 2, f, r }')
	set -- "$1" "$line" $5 "$6" "$7"
	printf '%-14s %s charged=%s kmem=%s anon=%s supervisor_private=%s service_private=%s\n' "$@" | tee -a "$T/results"
}

run_s6() {
	local scan=$T/scan cg="" m0 m1 sups svcs c
	rm -rf "$scan"
	mkdir -p "$scan"
	for i in $(seq "$N"); do
		mkdir "$scan/s$i"
		ln -s "$STAMP" "$scan/s$i/run"
	done
	[ -n "$MCG" ] && { cg=$MCG/$CG-s6; mkdir -p "$cg"; }
	sync
	sleep 1
	m0=$(memavail)
	STAMP_FILE=stamp.out launch "$cg" s6-svscan -c $((2 * N)) "$scan"
	SV_PID=$LPID
	wait_stamps "$scan" '*/stamp.out' || log "s6: not all services stamped"
	sleep 2
	m1=$(memavail)
	c=$(charged "$cg")
	sups=$(cat /proc/"$SV_PID"/task/*/children)
	svcs=$(awk '{ print $1 }' "$scan"/*/stamp.out)
	# shellcheck disable=SC2086
	set -- "$(private $sups)" "$(private $svcs)"
	s6-svscanctl -t "$scan"
	if ! printf '%s\n' "$SV_PID" $sups $svcs | "$T/h/waitgone" 60000 >/dev/null; then
		log "s6: stop timed out; killing what is left"
		kill_ours "$SV_PID" $sups $svcs
	fi
	SV_PID=""
	sleep 2
	report s6 "$m0" "$m1" "$(memavail)" "$c" "$1" "$2"
	rm -rf "$scan"
	[ -n "$cg" ] && { rmdir "$cg" || log "s6: $cg still holds processes"; }
}

# run_colony TAG COLONYD ROOT NETWORK
run_colony() {
	local tag=$1 cd=$2 root=$3 net=$4 cg="" m0 m1 sups svcs c
	rm -f "$T"/st/c*.stamp "$T/ctl.sock"
	{
		printf '[supervisor]\nstate_dir = %s/state\ncontrol_socket = %s/ctl.sock\nlog_dir = %s/log\n' "$T" "$T" "$T"
		printf 'cgroup_name = %s\nnetns_prefix = %s\ncolonyd = %s\n' "$CG" "$NSP" "$cd"
		for i in $(seq "$N"); do
			printf '[colony c%d]\nnetwork = %s\nstable_after = 1s\n[service c%d/stamp]\ncommand = %s %s/st/c%d.stamp\nstable_after = 1s\n' \
				"$i" "$net" "$i" "$STAMP" "$T" "$i"
		done
	} >"$T/many.ini"
	[ -n "$MCG" ] && { cg=$MCG/$CG-$tag-$net; mkdir -p "$cg"; }
	sync
	sleep 1
	m0=$(memavail)
	launch "$cg" "$root" -c "$T/many.ini"
	ROOT_PID=$LPID
	wait_stamps "$T/st" 'c*.stamp' || log "$tag: not all services stamped: $(tail -1 "$T/out")"
	sleep 3	# past every stable_after
	m1=$(memavail)
	c=$(charged "$cg")
	sups=$(cat /proc/"$ROOT_PID"/task/*/children)
	svcs=$(awk '{ print $1 }' "$T"/st/c*.stamp)
	# shellcheck disable=SC2086
	set -- "$(private $sups)" "$(private $svcs)"
	kill -TERM "$ROOT_PID"
	printf '%s\n' "$ROOT_PID" $sups $svcs | "$T/h/waitgone" 120000 >/dev/null ||
		log "$tag: stop timed out (the exit trap kills the colonies' cgroups)"
	ROOT_PID=""
	sleep 2	# network namespaces are freed asynchronously
	report "$tag.$net" "$m0" "$m1" "$(memavail)" "$c" "$1" "$2"
	rm -rf "$T/state" "$T/log"
	[ -n "$cg" ] && { rmdir "$cg" || log "$tag: $cg still holds processes"; }
}

for r in $(seq "$R"); do
	log "round $r of $R"
	run_s6
	for v in $COLONYDS; do
		spec=${v#*=}
		root=$BUILD/colony-supervisor
		[ "${spec#*:}" != "$spec" ] && root=${spec#*:}
		for net in $NETS; do run_colony "${v%%=*}" "${spec%%:*}" "$root" "$net"; done
	done
done
echo "medians of $R rounds, kB per unit (N=$N):"
awk '{ k[$1] = 1; for (i = 2; i <= NF; i++) { split($i, f, "="); v[$1, f[1], ++c[$1, f[1]]] = f[2]; if (!(f[1] in seen)) { seen[f[1]] = 1; names[++nn] = f[1] } } }
	function median(t, f,   n, a, i, j, x) { n = c[t, f]; for (i = 1; i <= n; i++) a[i] = v[t, f, i];
		for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	END { for (t in k) { printf "%-14s", t; for (i = 1; i <= nn; i++) printf " %s=%s", names[i], median(t, names[i]); print "" } }' "$T/results" | sort
