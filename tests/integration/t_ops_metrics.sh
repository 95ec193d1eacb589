#!/usr/bin/env bash
# t_ops_metrics.sh: colonyctl metrics is Prometheus text that the official client's parser reads, with every family per colony and service and the root's memory, and the README's textfile-collector line works; the root runs without glibc's malloc cache, under its own name.
source "$(dirname "$0")/lib.sh"

{
	supervisor_section
	colony_ini m "network = host"
	printf '[service m/mem]\ncommand = python3 -c "import time; b = bytearray(32 << 20); time.sleep(1000)"\n'
	colony_ini idle "network = host" "autostart = no"
} >"$CONF"
start_root
# The root turned glibc's malloc cache off by executing itself again: same pid, same name for ps and pidof.
assert_eq "$(cat "/proc/$ROOT_PID/comm")" "colony-supervis" "the root's process name"
tr '\0' '\n' <"/proc/$ROOT_PID/environ" | grep -qx 'GLIBC_TUNABLES=glibc.malloc.tcache_count=0' ||
	die "the root runs with glibc's malloc cache"
wait_for 10 all_running m m/s m/mem || die "did not start: $(ctl status)"
old=$(pid_of m/s)
kill -KILL "$old"
wait_for 10 restarted m/s "$old" || die "m/s not restarted"
sleep 0.5	# let the 32 MiB be touched
ctl metrics >"$T/metrics" || die "metrics failed"

# Debian's python3-prometheus-client (not pyenv's python3) holds the reference parser.
/usr/bin/python3 - "$T/metrics" <<'PY' || die "bad metrics: $(cat "$T/metrics")"
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = {f.name: f for f in text_string_to_metric_families(text)}
want = {"colony_up": "gauge", "colony_restarts": "counter", "colony_memory_bytes": "gauge",
        "colony_cpu_seconds": "counter", "colony_oom_kills": "counter"}
for n, t in want.items():
    assert n in fams and fams[n].type == t and fams[n].documentation, (n, fams.get(n))
def val(fam, **labels):
    for s in fams[fam].samples:
        if s.labels == labels:
            return s.value
    raise AssertionError((fam, labels))
assert val("colony_up", colony="m") == 1 and val("colony_up", colony="idle") == 0
assert val("colony_up", colony="m", service="s") == 1 and val("colony_up", colony="idle", service="s") == 0
assert val("colony_restarts", colony="m", service="s") == 1
assert val("colony_restarts", colony="m") == 0
assert val("colony_memory_bytes", colony="m", service="mem") >= 32 << 20
assert val("colony_memory_bytes", colony="m") > 0 and val("colony_memory_bytes", colony="idle") == 0
assert val("colony_cpu_seconds", colony="m") > 0
assert val("colony_oom_kills", colony="m") == 0
# The root's own gauge, without labels: no colonyd lacks a pidfd here.
assert fams["colony_supervisor_sigchld_colonyds"].type == "gauge"
assert val("colony_supervisor_sigchld_colonyds") == 0
# The root's memory: resident, and its allocator's in use <= held, all plausible for a small root.
for n in ("colony_supervisor_resident_bytes", "colony_supervisor_heap_inuse_bytes", "colony_supervisor_heap_bytes"):
    assert fams[n].type == "gauge" and fams[n].documentation, n
rss, inuse, held = (val("colony_supervisor_" + n) for n in ("resident_bytes", "heap_inuse_bytes", "heap_bytes"))
assert 512 << 10 < rss < 64 << 20, rss
assert 0 < inuse <= held < 64 << 20, (inuse, held)
# Each family is one contiguous group, introduced by its HELP and TYPE lines.
seen, cur = [], None
for line in text.splitlines():
    name = line.split()[2] if line.startswith("#") else line.split("{")[0].split()[0]
    if name != cur:
        assert name not in seen, ("family split", name)
        seen.append(name); cur = name
        assert line.startswith("# HELP "), line
PY

# README's cron line for node_exporter's textfile collector.
mkdir -p "$T/textfile"
line=$(sed -n 's/^ *\* \* \* \* \* \(colonyctl metrics.*\)$/\1/p' "$(dirname "$0")/../../README.md")
[ -n "$line" ] || die "no cron line in README.md"
(cd "$T" && PATH="$BUILD:$PATH" bash -c "${line//\/var\/lib\/node_exporter\/textfile_collector/$T/textfile}") ||
	die "README line failed: $line"
grep -q '^colony_up{colony="m"} 1$' "$T/textfile/colony.prom" || die "textfile: $(ls "$T/textfile")"
[ "$(ls "$T/textfile")" = colony.prom ] || die "temporary file left: $(ls "$T/textfile")"
stop_root || die "root exit status $?"
