#!/usr/bin/env bash
# t_confine_ns.sh: namespaces = uts ipc pid mount: hostname, colonyd as PID 1 reaping orphans, a private mount namespace that still reaches logs and state, host pids in status.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_confine.sh"

{
	supervisor_section
	cat <<EOT
[colony nsc]
network = host
namespaces = uts ipc pid mount
[service nsc/host]
command = /bin/sh -c "hostname; exec /bin/sleep 1000"
[service nsc/orphans]
command = /bin/sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do (/bin/sleep 0.05 &); (true &); done; (/bin/sleep 1.5 &); echo spawned; exec /bin/sleep 1000"
[service nsc/note]
command = /usr/bin/python3 -c 'import os, socket, time; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", os.environ["NOTIFY_SOCKET"]); time.sleep(1000)'
ready = notify
ready_timeout = 10s
[colony named]
network = host
namespaces = uts
hostname = other-$ID
[service named/host]
command = /bin/sh -c "hostname; exec /bin/sleep 1000"
EOT
} >"$CONF"
host_procs=$(grep -c " /proc proc " /proc/self/mounts || true)
start_root
wait_for 10 all_running nsc/host nsc/orphans nsc/note named/host || { ctl status; die "services did not start"; }
cd_pid=$(host_pid nsc) || die "no colonyd pid"
grep -q "^NSpid:.*[[:space:]]1$" /proc/"$cd_pid"/status || die "colonyd is not PID 1 of its pid namespace"
for ns in uts ipc pid mnt; do
	assert_ne "$(readlink /proc/"$cd_pid"/ns/$ns)" "$(readlink /proc/self/ns/$ns)" "colonyd's $ns namespace"
done

# The hostname defaults to the colony name; `hostname =` overrides it; the host's is untouched.
wait_for 5 grep -q " nsc$" "$T/log/nsc/host.log" || die "hostname in nsc: $(cat "$T/log/nsc/host.log")"
wait_for 5 grep -q " other-$ID$" "$T/log/named/host.log" || die "hostname in named: $(cat "$T/log/named/host.log")"
assert_ne "$(hostname)" nsc "the host's hostname"

# Host pids in status: the service's pid is the host's, with its own pid one level down.
p=$(host_pid nsc/host) || die "no pid for nsc/host"
[ "$(tr '\0' ' ' </proc/"$p"/cmdline)" = "/bin/sleep 1000 " ] || die "status pid $p is not the service on the host"
[ "$(proc_field "$p" NSpid | wc -w)" = 2 ] || die "nsc/host is not in a nested pid namespace: $(proc_field "$p" NSpid)"
assert_eq "$(readlink /proc/"$p"/ns/pid)" "$(readlink /proc/"$cd_pid"/ns/pid)" "the service's pid namespace"

# Orphans re-parent to colonyd (PID 1 there), which reaps them: no zombie stays.
wait_for 5 grep -q spawned "$T/log/nsc/orphans.log" || die "orphans not spawned"
orphan_of_colonyd() {
	local c
	for c in $(cat /proc/"$cd_pid"/task/*/children); do
		[ "$(tr '\0' ' ' </proc/"$c"/cmdline 2>/dev/null)" = "/bin/sleep 1.5 " ] && return 0
	done
	return 1
}
no_zombies() {
	local c
	for c in $(cat /proc/"$cd_pid"/task/*/children); do
		grep -q "^State:.*Z" /proc/"$c"/status 2>/dev/null && return 1
	done
	return 0
}
orphan_of_colonyd || die "the orphan is not colonyd's child"
orphan_gone() { ! orphan_of_colonyd; }
wait_for 5 orphan_gone || die "the orphan never ended"
wait_for 5 no_zombies || die "zombies under colonyd"
sleep 0.2
no_zombies || die "zombies under colonyd"

# A private mount namespace: no propagation either way; logs and notify sockets still work.
if grep -q "shared:" /proc/"$cd_pid"/mountinfo; then die "a mount in colonyd's namespace still propagates"; fi
grep -q " /proc proc " /proc/"$cd_pid"/mounts || die "no /proc in the colony"
mkdir "$T/m"
mount -t tmpfs "ct$ID" "$T/m"
in_colony=$(grep -c "ct$ID" /proc/"$cd_pid"/mounts || true)
umount "$T/m"
assert_eq "$in_colony" 0 "a host mount seen in the colony"
assert_eq "$(grep -c " /proc proc " /proc/self/mounts || true)" "$host_procs" "the host's /proc mounts (the colony's leaked?)"
assert_eq "$(json_field nsc/note ready)" true "notified through state_dir from the colony's mount namespace"
ctl logs nsc/host | grep -q " nsc$" || die "colonyctl logs across the mount namespace"
exit 0
