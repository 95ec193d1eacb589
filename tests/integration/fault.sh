# fault.sh: helpers shared by the fault injection tests (t_fault_*.sh); source after lib.sh.

# The number of fds the root holds, but for netns/ns.c's O_PATH fd of the file every
# /run/netns mount point is a hard link of: one per process from its first publish on
# (a plain file, not a namespace: a held namespace shows as net:[...]), so a root that
# has not published since an upgrade lacks it.
root_fds() {
	local f n=0
	for f in /proc/"$ROOT_PID"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in /run/netns/*) ;; *) n=$((n + 1)) ;; esac
	done
	echo "$n"
}

# Colony pids as "name=pid" lines, for checking that bystanders were left alone.
colony_pids() { ctl status 2>/dev/null | awk -F'\t' '{ print $1 "=" $3 }' | sort; }

# fds_settle N: the root's fd count returns to N (things in flight may hold a few for a moment).
fds_settle() { local n=$1; wait_for 20 eval '[ "$(root_fds)" -eq '"$n"' ]' || die "root holds $(root_fds) fds, had $n: $(ls -l /proc/$ROOT_PID/fd)"; }

# stop_clean: an orderly shutdown that exits 0 and leaves no process, cgroup or netns behind.
stop_clean() {
	local pids rc=0
	pids=$(cg_pids "$(cg_v2)")
	stop_root TERM || rc=$?
	assert_eq "$rc" 0 "root exit status after SIGTERM"
	for p in $pids; do kill -0 "$p" 2>/dev/null && die "process $p survived the shutdown"; done
	[ -d "$(cg_v2)" ] && die "cgroup $(cg_v2) left behind"
	local c
	for c in memory pids cpu; do [ -d "/sys/fs/cgroup/$c/$CGNAME" ] && die "v1 $c cgroup left behind"; done
	ls /run/netns/ | grep -q "^${NSPREFIX}" && die "netns left behind"
	return 0
}
