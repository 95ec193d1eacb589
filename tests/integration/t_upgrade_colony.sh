#!/usr/bin/env bash
# t_upgrade_colony.sh: colonyctl upgrade --colonies: each colonyd re-executes itself, keeping its pid, its services' pids and every log line; a broken binary stops the rollout.
source "$(dirname "$0")/lib.sh"

mkdir -p "$T/bin"
cp "$BUILD/colonyd" "$T/bin/colonyd"
{
	supervisor_section | sed "s|^colonyd = .*|colonyd = $T/bin/colonyd|"
	counter_ini web
	# A notify service: it is ready only once READY=1 came through its notify socket.
	printf '[service web/n]\ncommand = python3 %s/notify.py\nready = notify\n' "$T"
	counter_ini iso "namespaces = pid mount" | sed "s|\[service iso/count\]|[service iso/count]|"
	colony_ini host "network = host"
} >"$CONF"
cat >"$T/notify.py" <<'PY'
import os, socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1\nSTATUS=up", os.environ["NOTIFY_SOCKET"])
while True:
    time.sleep(1)
PY
start_root
wait_for 10 all_running web web/count web/n iso iso/count host host/s || die "did not start: $(ctl status)"
notify_ino=$(stat -c %i "$T/state/notify/web/n")
sleep 0.3
before=$(ctl status | cut -f1,3 | sort)

out=$(ctl upgrade --colonies 2>&1) || die "colony upgrade failed: $out"
for c in web iso host; do
	grep -qx "upgraded $c" <<<"$out" || die "no 'upgraded $c' in: $out"
done
grep -qx "3 colonies upgraded" <<<"$out" || die "summary: $out"
assert_eq "$(grep -c "^colonyd\[.*\]: upgraded in place" "$T/root.out")" 3 "colonyd images started"
sleep 0.3
assert_eq "$(ctl status | cut -f1,3 | sort)" "$before" "pids after the colony upgrade"
assert_eq "$(field web/count 5) $(field iso/count 5)" "0 0" "service restarts"
consecutive "$T/log/web/count.log" || die "web/count lost log lines"
consecutive "$T/log/iso/count.log" || die "iso/count lost log lines"

# The notify socket is the same one, and it still works: a restarted notify service gets ready.
assert_eq "$(stat -c %i "$T/state/notify/web/n")" "$notify_ino" "notify socket inode"
svc=$(pid_of web/n)
kill -KILL "$svc"
wait_for 10 restarted web/n "$svc" || die "web/n not ready again after the upgrade: $(ctl status web)"

# The new colonyd supervises: a crash is restarted, its log goes on.
svc=$(pid_of web/count)
kill -KILL "$svc"
wait_for 10 restarted web/count "$svc" || die "web/count not restarted by the new colonyd"
sleep 0.2
[ "$(tail -1 "$T/log/web/count.log" | awk '{ print $NF }')" -ge 1 ] || die "no log after the restart"

# One colony by name; an unknown one is exit 4.
out=$(ctl upgrade --colonies host 2>&1) || die "upgrade of host: $out"
grep -qx "1 colonies upgraded" <<<"$out" || die "summary: $out"
rc=0; ctl upgrade --colonies nosuch >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 4 "unknown colony"

# A broken colonyd binary: the first colony refuses, the rollout stops, nothing is lost.
printf '#!/bin/sh\nexit 1\n' >"$T/bin/new"
chmod +x "$T/bin/new"
mv "$T/bin/new" "$T/bin/colonyd"
before=$(ctl status | cut -f1,3 | sort)
rc=0; out=$(ctl upgrade --colonies iso web 2>&1) || rc=$?
assert_eq "$rc" 1 "upgrade to a broken colonyd"
grep -q "colony iso: upgrade failed" <<<"$out" || die "no clear report: $out"
grep -q "not upgraded: web" <<<"$out" || die "no list of what was not upgraded: $out"
assert_eq "$(ctl status | cut -f1,3 | sort)" "$before" "pids after the failed colony upgrade"
svc=$(pid_of iso/count)
kill -KILL "$svc"
wait_for 10 restarted iso/count "$svc" || die "iso/count not restarted after the failed upgrade"
stop_root || die "shutdown after the colony upgrades"
exit 0
