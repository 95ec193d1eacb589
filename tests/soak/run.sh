#!/usr/bin/env bash
# soak/run.sh: 200 colonies whose services crash at random for SOAK_SECONDS (default 600) under reloads and
# status calls; the root's and one colonyd's RSS and fd counts after the first minute and at the end must match.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
N=${SOAK_COLONIES:-200}
DURATION=${SOAK_SECONDS:-600}
WARMUP=${SOAK_WARMUP:-60}

write_soak_config() {
	supervisor_section "intensity = 1000" "period = 10s" >"$CONF"
	for i in $(seq 1 "$N"); do
		cat >>"$CONF" <<EOT
[colony s$i]
intensity = 1000
period = 10s
[service s$i/crashy]
command = /bin/bash -c 'sleep \$((RANDOM % 5)).\$((RANDOM % 10)); exit \$((RANDOM % 3))'
restart_delay_max = 1s
stable_after = 1s
log_max_size = 64K
log_keep = 2
[service s$i/steady]
command = /bin/sh -c 'while :; do echo tick; sleep 1; done'
EOT
	done
}

sample() {	# pid -> "rss_kb fds"
	local rss fds
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
	fds=$(ls "/proc/$1/fd" | wc -l)
	echo "$rss $fds"
}

write_soak_config
start_root
wait_for 120 ctl wait s1 "s$N" --state running --timeout 60s || die "colonies did not start"
colonyd=$(pid_of s1)
end=$(( $(date +%s) + DURATION ))
first_root="" first_cd=""
start=$(date +%s)
reloads=0 statuses=0
while [ "$(date +%s)" -lt "$end" ]; do
	ctl status >/dev/null || die "status failed"
	statuses=$((statuses + 1))
	if [ $((statuses % 20)) -eq 0 ]; then
		ctl reload >/dev/null || die "reload failed"
		reloads=$((reloads + 1))
	fi
	if [ -z "$first_root" ] && [ $(( $(date +%s) - start )) -ge "$WARMUP" ]; then
		first_root=$(sample "$ROOT_PID"); first_cd=$(sample "$colonyd")
		log "after ${WARMUP}s: root rss/fds $first_root, colonyd rss/fds $first_cd"
	fi
	sleep 0.5
done
last_root=$(sample "$ROOT_PID"); last_cd=$(sample "$colonyd")
restarts=$(ctl status --json | grep -o '"restarts": *[0-9]*' | awk -F: '{ s += $2 } END { print s }')
echo "soak: $N colonies, ${DURATION}s, $statuses status calls, $reloads reloads, $restarts service restarts"
echo "root:    rss_kb/fds after ${WARMUP}s: $first_root   at end: $last_root"
echo "colonyd: rss_kb/fds after ${WARMUP}s: $first_cd   at end: $last_cd"
read -r r1 f1 <<<"$first_root"; read -r r2 f2 <<<"$last_root"
read -r c1 g1 <<<"$first_cd"; read -r c2 g2 <<<"$last_cd"
# Flat: fds equal, RSS within 256 kB (allocator noise), for both daemons.
ok=1
[ "$f1" = "$f2" ] || { echo "root fd count changed"; ok=0; }
[ "$g1" = "$g2" ] || { echo "colonyd fd count changed"; ok=0; }
[ $((r2 - r1)) -le 256 ] || { echo "root RSS grew by $((r2 - r1)) kB"; ok=0; }
[ $((c2 - c1)) -le 256 ] || { echo "colonyd RSS grew by $((c2 - c1)) kB"; ok=0; }
[ "$ok" = 1 ] && echo "soak: flat" || die "soak: not flat"
