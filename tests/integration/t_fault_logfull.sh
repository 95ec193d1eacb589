#!/usr/bin/env bash
# t_fault_logfull.sh: a full (ENOSPC) log_dir: services and colonyd keep running, and logs resume when space returns.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault.sh"

mkdir -p "$T/log"
mount -t tmpfs -o size=256k,mode=755 "colony-$ID" "$T/log"
# The mount goes before lib.sh's cleanup removes $T.
trap 'rc_=$?; set +e; umount -l "$T/log" 2>/dev/null || true; (exit $rc_); cleanup' EXIT

# A chatty service: 1 KB lines, and a heartbeat outside log_dir that shows it is not blocked on its output.
cat >"$T/chatty" <<'SH'
#!/bin/sh
pad=$(head -c 1000 /dev/zero | tr '\0' x)
i=0
while :; do
	echo "line $i $pad"
	echo "$i" >"$1"
	i=$((i + 1))
	sleep 0.005
done
SH
chmod 755 "$T/chatty"
{
	supervisor_section
	colony_ini other "network = host"
	printf '[colony talk]\nnetwork = host\n[service talk/chatty]\ncommand = %s %s\nlog_max_size = 10M\n' "$T/chatty" "$T/beat"
} >"$CONF"
start_root
wait_for 30 all_running other other/s talk talk/chatty || die "did not start: $(ctl status)"
LOG=$T/log/talk/chatty.log
wait_for 20 grep -q '^[0-9-]*T[0-9:.]*Z line 5 ' "$LOG" || die "no log lines"
cd_pid=$(pid_of talk) svc_pid=$(pid_of talk/chatty) before=$(colony_pids)
fds=$(root_fds)

# beat_moves: the service's heartbeat advances by more than 300 lines' worth (more than the 256 KB log pipe holds).
beat_moves() { local b; b=$(cat "$T/beat"); wait_for 20 eval '[ "$(cat "$T/beat")" -gt $((b + 300)) ]'; }
still_there() {
	assert_eq "$(pid_of talk)" "$cd_pid" "colonyd restarted"
	assert_eq "$(pid_of talk/chatty)" "$svc_pid" "service restarted"
	assert_eq "$(colony_pids)" "$before" "colonies touched"
	kill -0 "$ROOT_PID" || die "root died"
}

# Fill the file system: writes fail with ENOSPC.
head -c 1M /dev/zero >"$T/log/filler" 2>/dev/null || true
wait_for 20 grep -q "talk/chatty.log: write: No space left on device" "$T/root.out" || die "no warning about the full disk"
beat_moves || die "the service stalled on a full log_dir"
still_there

# (No read-only phase: a tmpfs with files open for writing cannot be remounted
# read-only, "mount point is busy".)

# Space returns: new lines appear.
rm -f "$T/log/filler"
b=$(cat "$T/beat")
wait_for 30 eval 'awk -v b=$b '"'"'$2 == "line" && $3 > b + 20 { f = 1 } END { exit !f }'"'"' "$LOG"' || die "logs did not resume"
still_there
fds_settle "$fds"
stop_clean
umount "$T/log"
exit 0
