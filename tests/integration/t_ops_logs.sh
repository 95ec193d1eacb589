#!/usr/bin/env bash
# t_ops_logs.sh: log rotation by log_max_size/log_keep keeps a contiguous tail (no line lost across .N -> current, a very long line and a last line without newline included); colonyctl logs -n reads across rotated files, -f follows across rotations; unknown service.
source "$(dirname "$0")/lib.sh"

cat >"$T/gen.sh" <<'SH'
seq -f 'n%06g' 1 60000
head -c 100000 /dev/zero | tr '\0' x; echo
printf 'last-without-newline'
SH
cat >"$T/tick.sh" <<'SH'
for c in $(seq 0 39); do seq -f 't%06g' $((c * 500 + 1)) $((c * 500 + 500)); sleep 0.05; done
SH
{
	supervisor_section
	colony_ini l "network = host"
	printf '[service l/gen]\nrestart = temporary\nlog_max_size = 200K\nlog_keep = 3\ncommand = sh %s/gen.sh\n' "$T"
	printf '[service l/tick]\nrestart = temporary\nautostart = no\nlog_max_size = 64K\nlog_keep = 3\ncommand = sh %s/tick.sh\n' "$T"
} >"$CONF"
start_root
wait_for 20 state_is l/gen exited || die "gen did not finish: $(ctl status l)"
L=$T/log/l/gen.log
[ -e "$L.4" ] && die "more than log_keep rotated files"
for f in "$L.3" "$L.2" "$L.1" "$L"; do
	[ -s "$f" ] || die "missing $f"
	[ "$(stat -c %s "$f")" -le $((200 * 1024)) ] || die "$f is larger than log_max_size"
done
# The kept window, oldest first, is a contiguous run ending at n060000, then the long line (in chunks), then the last line.
cat "$L.3" "$L.2" "$L.1" "$L" | cut -d' ' -f2- >"$T/window"
python3 - "$T/window" <<'PY' || die "window not contiguous"
import sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "every log line ends with a newline"
lines = lines[:-1]
assert lines[-1] == "last-without-newline", lines[-1]
nums = [l for l in lines if l.startswith("n")]
xs = [l for l in lines if l and set(l) == {"x"}]
assert len(nums) + len(xs) + 1 == len(lines), "unexpected lines"
first = int(nums[0][1:])
assert [int(l[1:]) for l in nums] == list(range(first, 60001)), "gap in numbered lines"
assert first > 1, "nothing rotated away?"
assert lines.index(xs[0]) == len(nums) and sum(map(len, xs)) == 100000, "long line lost or cut"
PY
# colonyctl logs -n reads the rotated files when the current one holds fewer lines.
ctl logs l/gen -n 3000 | cut -d' ' -f2- >"$T/tail"
assert_eq "$(wc -l <"$T/tail")" 3000 "logs -n 3000"
assert_eq "$(tail -1 "$T/tail")" last-without-newline "logs -n: last line"
assert_eq "$(grep -c '^n' "$T/tail")" "$(grep -c '^n' <(tail -3000 "$T/window"))" "logs -n equals the window's tail"
cmp -s "$T/tail" <(tail -3000 "$T/window") || die "logs -n differs from the files"

# -f follows across rotations: every line once, in order.
# the binary itself, not the ctl function: killing a function's subshell would orphan colonyctl
"$BUILD/colonyctl" -s "$SOCK" logs l/tick -f -n 0 >"$T/follow" &
F=$!
sleep 0.3
ctl start l/tick --no-wait
wait_for 30 grep -q t020000 "$T/follow" || die "follow stopped at $(tail -1 "$T/follow")"
kill "$F"; wait "$F" 2>/dev/null || true
[ -e "$T/log/l/tick.log.1" ] || die "tick never rotated"
cut -d' ' -f2- "$T/follow" | python3 -c '
import sys
got = [l.rstrip("\n") for l in sys.stdin]
assert got == ["t%06d" % i for i in range(1, 20001)], (len(got), got[:3], got[-3:])
' || die "follow lost or repeated lines"

rc=0; ctl logs l/nope 2>/dev/null || rc=$?
assert_eq "$rc" 4 "logs of an unknown service"
rc=0; ctl logs nope/gen 2>/dev/null || rc=$?
assert_eq "$rc" 4 "logs of an unknown colony"
rc=0; ctl logs l 2>/dev/null || rc=$?
assert_eq "$rc" 2 "logs without a service"
stop_root || die "root exit status $?"
