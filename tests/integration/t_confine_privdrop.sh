#!/usr/bin/env bash
# t_confine_privdrop.sh: colonyd keeps only its own needs plus its services' capabilities; a reload cannot grant one it dropped, a colony restart can.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_confine.sh"

write_conf() {
	supervisor_section
	cat <<EOT
[colony c1]
network = host
namespaces = uts pid mount
[service c1/nob]
command = /bin/sleep 1000
user = nobody
[service c1/rt]
command = /bin/sleep 1000
EOT
	for l in "$@"; do echo "$l"; done
}
write_conf >"$CONF"
start_root
wait_for 10 all_running c1/nob c1/rt || { ctl status; die "services did not start"; }
cd_pid=$(host_pid c1) || die "no colonyd pid"
grep -q "^NSpid:.*[[:space:]]1$" /proc/"$cd_pid"/status || die "colonyd is not PID 1 of its pid namespace"

# Kept: SETUID SETGID SETPCAP KILL DAC_OVERRIDE, and the default root set of c1/rt.
bnd=$(proc_field "$cd_pid" CapBnd)
for cap in 0 1 3 4 5 6 7 8 10 13 18 27 29 31; do
	has_cap "$bnd" $cap || die "colonyd dropped capability $cap: CapBnd $bnd"
done
# Dropped: SYS_MODULE, SYS_RAWIO, SYS_ADMIN, SYS_BOOT, SYS_TIME, NET_ADMIN, SYS_PTRACE, MAC_ADMIN, BPF.
for cap in 16 17 21 22 25 12 19 33 39; do
	has_cap "$bnd" $cap && die "colonyd kept capability $cap: CapBnd $bnd"
done
assert_eq "$(proc_field "$cd_pid" CapPrm)" "$bnd" "colonyd's permitted set"
assert_eq "$(proc_field "$cd_pid" CapEff)" "$bnd" "colonyd's effective set"
assert_eq "$(proc_field "$cd_pid" CapAmb)" 0000000000000000 "colonyd's ambient set"

# A reload that only changes services within the union leaves colonyd alone.
nob=$(pid_of c1/nob)
write_conf "[service c1/more]" "command = /bin/sleep 1000" "capabilities = CAP_CHOWN" >"$CONF"
ctl reload >"$T/reload.out" || die "reload failed: $(cat "$T/reload.out")"
grep -qx "added c1/more" "$T/reload.out" || die "reload: $(cat "$T/reload.out")"
wait_for 10 all_running c1/more || die "c1/more did not start"
assert_eq "$(host_pid c1)" "$cd_pid" "colonyd after a reload within its capabilities"
assert_eq "$(pid_of c1/nob)" "$nob" "c1/nob after a reload within its capabilities"

# A reload adding a service that needs CAP_SYS_ADMIN, which colonyd dropped: the root
# restarts the colony, and the new colonyd keeps SYS_ADMIN for it.
write_conf "[service c1/more]" "command = /bin/sleep 1000" "capabilities = CAP_CHOWN" \
	"[service c1/adm]" "command = /bin/sleep 1000" "capabilities = CAP_SYS_ADMIN" >"$CONF"
ctl reload >"$T/reload.out" || die "reload failed: $(cat "$T/reload.out")"
grep -qx "restarted c1" "$T/reload.out" || die "reload did not restart c1: $(cat "$T/reload.out")"
wait_for 10 all_running c1/nob c1/rt c1/more c1/adm || { ctl status; die "c1/adm did not start after the colony restart"; }
new_cd=$(host_pid c1)
assert_ne "$new_cd" "$cd_pid" "colonyd after a reload that grew its capabilities"
has_cap "$(proc_field "$new_cd" CapBnd)" 21 || die "the new colonyd lacks CAP_SYS_ADMIN"
has_cap "$(proc_field "$new_cd" CapBnd)" 16 && die "the new colonyd kept CAP_SYS_MODULE"
assert_eq "$(proc_field "$(host_pid c1/adm)" CapEff)" 0000000000200000 "c1/adm's capabilities"
grep -q "dropped by colonyd" "$T/root.out" && die "a service met a dropped capability"
exit 0
