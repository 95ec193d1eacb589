#!/usr/bin/env bash
# t_confine_creds.sh: colonyd applies user, groups, working_directory, environment, limit_nofile, capabilities, no_new_privs and seccomp in the child; SIGSYS and set-up failures are reported.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_confine.sh"

# A group with nobody as a member: its supplementary groups come from the group file.
GRP="ct$ID"
trap 'rc=$?; set +e; groupdel "$GRP" 2>/dev/null || true; (exit $rc); cleanup' EXIT
groupadd "$GRP" && gpasswd -M nobody "$GRP" || die "cannot make group $GRP"
gid=$(getent group "$GRP" | cut -d: -f3)
KEYCTL='import ctypes; l = ctypes.CDLL(None, use_errno=True); r = l.syscall(250, 0, -3, 0); print("keyctl", "ok" if r >= 0 else ctypes.get_errno())'
{
	supervisor_section
	cat <<EOT
[colony c1]
network = host
[service c1/nob]
command = /bin/sleep 1000
user = nobody
[service c1/rt]
command = /bin/sh -c "mount -t tmpfs none /mnt; echo mount=\$?; exec /bin/sleep 1000"
[service c1/cred]
command = /bin/sleep 1000
user = 65534
group = $GRP
working_directory = /tmp
environment = FOO=bar "BAZ=a b"
environment = QUX=1
limit_nofile = 1234
[service c1/mkdir]
command = /bin/sh -c "mkdir $T/d1 && echo made; exec /bin/sleep 1000"
seccomp_deny = mkdir mkdirat
[service c1/keydef]
command = /usr/bin/python3 -c '$KEYCTL'
restart = temporary
[service c1/keyallow]
command = /usr/bin/python3 -c '$KEYCTL'
restart = temporary
seccomp_allow = keyctl
[service c1/sys]
command = /bin/sh -c "kill -SYS \$\$"
restart = temporary
[service c1/bad]
command = /bin/sleep 1000
working_directory = /nonexistent-$ID
restart = temporary
[colony c2]
network = host
[service c2/list]
command = /bin/sleep 1000
user = nobody
capabilities = CAP_NET_RAW CAP_CHOWN
no_new_privileges = no
seccomp = off
[service c2/all]
command = /bin/sleep 1000
capabilities = all
EOT
} >"$CONF"
start_root
wait_for 10 all_running c1/nob c1/rt c1/cred c1/mkdir c2/list c2/all || { ctl status; die "services did not start"; }

# The root hands colonyd its table of built seccomp programs as fd 4 (--filters); colonyd
# reads and closes it, and no service inherits it.
cd1=$(head -1 "$(cg_v2)/c1/_colonyd/cgroup.procs") || die "no colonyd for c1"
tr '\0' ' ' </proc/"$cd1"/cmdline | grep -q -- "--filters 4 *$" || die "colonyd cmdline: $(tr '\0' ' ' </proc/"$cd1"/cmdline)"
for q in "$cd1" $(host_pid c1/nob) $(host_pid c1/mkdir); do
	ls -l /proc/"$q"/fd | grep -q colony-filters && die "pid $q holds the seccomp table: $(ls -l /proc/"$q"/fd)"
done

# user = nobody: uid 65534, no capabilities at all, no_new_privs, a seccomp filter.
p=$(host_pid c1/nob) || die "no pid for c1/nob"
assert_eq "$(proc_field "$p" Uid)" "65534 65534 65534 65534" "nobody's uids"
assert_eq "$(proc_field "$p" Gid)" "65534 65534 65534 65534" "nobody's gids (primary group)"
assert_eq "$(proc_field "$p" Groups | tr ' ' '\n' | sort -n | xargs)" "$(printf '%s\n' 65534 "$gid" | sort -n | xargs)" \
	"nobody's supplementary groups"
for k in CapInh CapPrm CapEff CapBnd CapAmb; do
	assert_eq "$(proc_field "$p" "$k")" 0000000000000000 "c1/nob $k"
done
assert_eq "$(proc_field "$p" NoNewPrivs)" 1 "c1/nob NoNewPrivs"
assert_eq "$(proc_field "$p" Seccomp)" 2 "c1/nob Seccomp"

# A default root service: the container set, without CAP_SYS_ADMIN; mount fails.
p=$(host_pid c1/rt) || die "no pid for c1/rt"
eff=$(proc_field "$p" CapEff)
has_cap "$eff" 10 || die "root service lacks CAP_NET_BIND_SERVICE: $eff"
has_cap "$eff" 21 && die "root service has CAP_SYS_ADMIN: $eff"
has_cap "$eff" 16 && die "root service has CAP_SYS_MODULE: $eff"
assert_eq "$(proc_field "$p" CapBnd)" "$eff" "bounding set = effective set"
assert_eq "$(proc_field "$p" Seccomp)" 2 "c1/rt Seccomp"
wait_for 5 grep -q "mount=" "$T/log/c1/rt.log" || die "no mount result"
grep -q "mount=0" "$T/log/c1/rt.log" && die "a default service could mount"
grep -q " /mnt tmpfs" /proc/mounts && die "tmpfs appeared on /mnt"

# Numeric user, named group, supplementary groups, working directory, environment, rlimit.
p=$(host_pid c1/cred) || die "no pid for c1/cred"
assert_eq "$(proc_field "$p" Uid)" "65534 65534 65534 65534" "numeric user"
assert_eq "$(proc_field "$p" Gid)" "$gid $gid $gid $gid" "group = $GRP"
assert_eq "$(proc_field "$p" Groups)" "$gid" "supplementary groups of nobody with group $GRP"
assert_eq "$(readlink /proc/"$p"/cwd)" /tmp "working_directory"
env=$(tr '\0' '\n' </proc/"$p"/environ | sort | tr '\n' ' ')
assert_eq "$env" "BAZ=a b COLONY=c1 COLONY_SERVICE=cred FOO=bar PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin QUX=1 " "environment"
assert_eq "$(awk '/^Max open files/ { print $4, $5 }' /proc/"$p"/limits)" "1234 1234" "limit_nofile"

# seccomp_deny: mkdir fails with EPERM; seccomp_allow lifts keyctl from the default deny list.
wait_for 5 exited_with c1/keydef '{"code":0}' || die "keydef: $(json_exit c1/keydef)"
wait_for 5 exited_with c1/keyallow '{"code":0}' || die "keyallow: $(json_exit c1/keyallow)"
grep -q "keyctl 1$" "$T/log/c1/keydef.log" || die "keyctl not denied with EPERM by default: $(cat "$T/log/c1/keydef.log")"
grep -q "keyctl ok" "$T/log/c1/keyallow.log" || die "seccomp_allow = keyctl: $(cat "$T/log/c1/keyallow.log")"
grep -q "Operation not permitted" "$T/log/c1/mkdir.log" || die "mkdir not denied: $(cat "$T/log/c1/mkdir.log")"
[ -e "$T/d1" ] && die "seccomp_deny = mkdir did not stop mkdir"

# A service killed by SIGSYS; a failed set-up names the service, the call and errno.
wait_for 5 exited_with c1/sys '{"signal":"SYS"}' || die "SIGSYS: $(json_exit c1/sys)"
wait_for 5 exited_with c1/bad '{"reason":"setup"}' || die "bad set-up: $(json_exit c1/bad)"
msg="c1/bad: chdir(/nonexistent-$ID): No such file or directory"
grep -qF "$msg" "$T/log/c1/bad.log" || die "service log lacks '$msg': $(cat "$T/log/c1/bad.log")"
grep -qF "$msg" "$T/root.out" || die "colonyd's stderr lacks '$msg'"

# An explicit list for a non-root user (ambient), seccomp off, no_new_privs off; and all.
p=$(host_pid c2/list) || die "no pid for c2/list"
assert_eq "$(proc_field "$p" CapEff)" 0000000000002001 "CAP_NET_RAW CAP_CHOWN"
assert_eq "$(proc_field "$p" CapAmb)" 0000000000002001 "ambient for a non-root user"
assert_eq "$(proc_field "$p" Seccomp)" 0 "seccomp = off"
assert_eq "$(proc_field "$p" NoNewPrivs)" 0 "no_new_privileges = no"
p=$(host_pid c2/all) || die "no pid for c2/all"
has_cap "$(proc_field "$p" CapEff)" 21 || die "capabilities = all lacks CAP_SYS_ADMIN"
exit 0
